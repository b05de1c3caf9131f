// <loss>/single: one device holds all N pairs and runs the loss's own step (src/losses: naive, chunked;
// fused on webgpu): no collective. The W = 1 case of the lock-step world, like every strategy.
import type { Scalar, Tensor2D } from '../../engine/tf.js';
import { stepOutputs } from '../../losses/types.js';
import type { Strategy } from './types.js';

// eslint-disable-next-line require-yield -- one device: nothing to exchange
export const single: Strategy = function* (ctx, inp) {
  const [loss, dx, dy, dt, db] = ctx.compute(() => stepOutputs(ctx.lossStep(inp)));
  return {
    loss: loss as Scalar,
    dx: dx as Tensor2D,
    dy: dy as Tensor2D,
    dt: dt as Scalar,
    ...(db ? { db: db as Scalar } : {}),
    scalars: 'sum',
  };
};
