// One CLIP direction on one device: coef·Σ_i lse_j(t·A_i·B_j) for its rows A against columns B,
// with gradients — naive (autodiff through the r×m logits) or chunked (online log-sum-exp over
// column tiles, then a second pass recomputing each tile for the gradient).
import { tf, type Scalar, type Tensor2D } from '../engine/tf.js';
import { lseFinish, lseInit, lseUpdate, softmaxRowGrads, softmaxRowsNaive } from './blocks.js';
import type { StrategyContext } from './strategies/types.js';

/** [loss share, dA, dB, dt'] of rows A against all columns B, on device k. */
export function softmaxRows(ctx: StrategyContext, k: number, A: Tensor2D, B: Tensor2D): [Scalar, Tensor2D, Tensor2D, Scalar] {
  const coef = 1 / (2 * ctx.n);
  return ctx.world.devices[k]!.compute(() => {
    if (ctx.impl === 'naive') return softmaxRowsNaive(A, B, ctx.tPrime, coef);
    const [m0, s0] = lseInit(A.shape[0]);
    const [m, s] = lseUpdate({ m: m0, s: s0 }, tf.mul(A, tf.exp(ctx.tPrime)) as Tensor2D, B, ctx.chunk);
    const lse = lseFinish({ m, s });
    const [dA, dB, dt] = softmaxRowGrads(A, B, ctx.tPrime, lse, coef, ctx.chunk);
    return [tf.mul(tf.sum(lse), coef) as Scalar, dA, dB, dt];
  }) as [Scalar, Tensor2D, Tensor2D, Scalar];
}
