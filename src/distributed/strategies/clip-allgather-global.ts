// clip / allgather-global: all-gather x and y; every device computes the whole N×N loss with the
// single-device implementation and keeps its own rows of dx and dy. Nothing flows back: the loss and
// dt' are replicated.
//
// Traffic: its formulas in src/distributed/registry.ts (contract/strategies.json), checked against the ledger.
// Memory: x_all, y_all (2·N·D) plus the single-device peak at N — it grows as N².
import { tf, type Scalar, type Tensor2D } from '../../engine/tf.js';
import { lossStep } from '../../losses/index.js';
import { gatherFeatures } from '../collectives.js';
import type { StrategyRun } from './types.js';

export const clipAllgatherGlobal: StrategyRun = (ctx, shards) => {
  const { world, b, tPrime, bias } = ctx;
  const step = lossStep('clip', ctx.impl, ctx.chunk);
  const [xAll, yAll] = gatherFeatures(world, shards);
  return {
    scalars: 'replicated',
    devices: shards.map((_, k) => {
      const dev = world.devices[k]!;
      const [loss, dx, dy, dt] = dev.compute(() => {
        const r = step({ x: xAll[k]!, y: yAll[k]!, tPrime, bias });
        const own = (g: Tensor2D) => tf.slice(g, [k * b, 0], [b, -1]) as Tensor2D;
        return [r.loss, own(r.grads.x), own(r.grads.y), r.grads.tPrime];
      });
      dev.drop(xAll[k], yAll[k]);
      return { loss: loss as Scalar, dx: dx as Tensor2D, dy: dy as Tensor2D, dtPrime: dt as Scalar };
    }),
  };
};
