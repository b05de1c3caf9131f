// clip / allgather-local (open_clip `local_loss=True, gather_with_grad=True`): all-gather x and y;
// rank k computes its b×N logits both ways — image→text x_k·y_allᵀ (rows i of the global logits)
// and text→image y_k·x_allᵀ (columns j of the global logits: the column log-sum-exp spans all N
// images, so own texts against all gathered images) — plus its positives. Summed over ranks this is
// exactly the single-device loss over N. Backward: d(x_all) and d(y_all) are reduce-scattered.
//
// Traffic: its formulas in src/distributed/registry.ts (contract/strategies.json), checked against the ledger.
// Memory: x_all, y_all, d(x_all), d(y_all) (4·N·D) + one b×N direction at a time. The positives of x_k (rows k·b.. of
// y_all) are masked inside each direction (src/losses/blocks.ts): no separate diagonal term.
import { tf, type Scalar, type Tensor2D } from '../../engine/tf.js';
import { softmaxRows, softmaxRowsNaive } from '../../losses/blocks.js';
import type { RankContext, Strategy } from './types.js';

/** This rank's rows A against all N columns B (whose rows ctx.offset.. are A's pairs): [loss share, dA, dB, dt']. */
function softmaxRowsLoss(ctx: RankContext, A: Tensor2D, B: Tensor2D, tPrime: Scalar) {
  const coef = 1 / (2 * ctx.n);
  return ctx.compute(() =>
    ctx.impl === 'naive'
      ? softmaxRowsNaive(A, B, tPrime, coef, ctx.offset)
      : softmaxRows(A, B, tPrime, coef, ctx.offset, ctx.chunk),
  );
}

export const clipAllgatherLocal: Strategy = function* (ctx, inp) {
  const { x, y, tPrime } = inp;
  const xAll = yield* ctx.comm.allGather(x, 'fwd');
  const yAll = yield* ctx.comm.allGather(y, 'fwd');
  const [rows, dxOwn, dyAll, dtRows] = softmaxRowsLoss(ctx, x, yAll, tPrime); // image→text
  const [cols, dyOwn, dxAll, dtCols] = softmaxRowsLoss(ctx, y, xAll, tPrime); // text→image
  ctx.drop(xAll, yAll);
  const [loss, dt] = ctx.compute(() => [tf.add(rows, cols) as Scalar, tf.add(dtRows, dtCols) as Scalar]);
  ctx.drop(rows, cols, dtRows, dtCols);
  const dxShare = yield* ctx.comm.reduceScatter(dxAll, 'bwd');
  ctx.drop(dxAll);
  const dyShare = yield* ctx.comm.reduceScatter(dyAll, 'bwd');
  ctx.drop(dyAll);
  const [dx, dy] = ctx.compute(() => [tf.add(dxOwn, dxShare) as Tensor2D, tf.add(dyOwn, dyShare) as Tensor2D]);
  ctx.drop(dxOwn, dyOwn, dxShare, dyShare);
  return { loss, dx, dy, dt, scalars: 'sum' };
};
