// clip / ring (tiled, Inf-CL style). Rank k keeps x_k, y_k. Its image→text rows need the log-sum-exp
// over all y, its text→image rows (columns of the global logits) over all x, so [x_j, y_j] travel the
// ring together, one message per round, and fold into online softmax states. The softmax needs the
// final state before any gradient, so the backward makes a second lap: the blocks travel again, every
// tile is recomputed, and the partials d x_j, d y_j ride along with their blocks in accumulators that
// start on j+1 and make one last hop home. No rank holds more than one foreign block pair and one
// accumulator pair.
//
// Traffic: its formulas in src/distributed/registry.ts (contract/strategies.json), checked against the ledger.
// Keeping the received blocks instead of re-sending them would save 2(W−1)·E but hold all N·D.
import { tf, type Scalar, type Tensor, type Tensor1D, type Tensor2D } from '../../engine/tf.js';
import {
  rowDots,
  softmaxBlockGrads,
  softmaxInit,
  softmaxPairLoss,
  softmaxUpdate,
  type DiagonalOffset,
  type SoftmaxState,
} from '../../losses/blocks.js';
import type { Strategy } from './types.js';

/** The online softmax states (m, s, sOff) of both directions: image→text rows, then text→image rows. */
type States = [Tensor1D, Tensor1D, Tensor1D, Tensor1D, Tensor1D, Tensor1D];
const asState = ([m, s, sOff]: Tensor[]): SoftmaxState => ({
  m: m as Tensor1D,
  s: s as Tensor1D,
  sOff: sOff as Tensor1D,
});
const directions = (st: States): [SoftmaxState, SoftmaxState] => [asState(st.slice(0, 3)), asState(st.slice(3))];

export const clipRing: Strategy = function* (ctx, inp) {
  const { comm } = ctx;
  const W = comm.world;
  const { x, y, tPrime } = inp;
  const coef = 1 / (2 * ctx.n);
  const tile = ctx.tile(ctx.b);

  // ---- forward: online softmax state of x_k's rows over the y blocks and of y_k's rows over the x blocks
  /** Block (x_j, y_j) folded into the states (fresh ones when st is null); offset 0: the own block (its positives). */
  const fold = (st: States | null, xj: Tensor2D, yj: Tensor2D, offset: DiagonalOffset): States =>
    ctx.compute(() => {
      const t = tf.exp(tPrime);
      const [sI, sT] = st ? directions(st) : [softmaxInit(x.shape[0]), softmaxInit(y.shape[0])];
      const I = softmaxUpdate(sI, tf.mul(x, t) as Tensor2D, yj, offset, tile).state;
      const T = softmaxUpdate(sT, tf.mul(y, t) as Tensor2D, xj, offset, tile).state;
      return [I.m, I.s, I.sOff, T.m, T.s, T.sOff];
    });
  let st = fold(null, x, y, 0);
  let cur = [x, y]; // the block pair this rank holds now
  for (let r = 1; r < W; r++) {
    const next = yield* comm.ringShift(cur, 'fwd');
    if (r > 1) ctx.drop(...cur); // the own blocks stay
    cur = next;
    const folded = fold(st, cur[0]!, cur[1]!, null);
    ctx.drop(...st);
    st = folded;
  }
  if (W > 1) ctx.drop(...cur);
  // the loss of both directions, each row's term from its off-diagonal mass (blocks.ts)
  const [loss] = ctx.compute(() => {
    const [I, T] = directions(st);
    const diag = rowDots(tf.mul(x, tf.exp(tPrime)), y);
    return [tf.mul(tf.add(softmaxPairLoss(I, diag), softmaxPairLoss(T, diag)), coef) as Scalar];
  });

  /** Both directions of block (k, j): [dx_k, dy_k, d x_j, d y_j, dt' share]. */
  const block = (xj: Tensor2D, yj: Tensor2D, offset: DiagonalOffset) =>
    ctx.compute(() => {
      const [I, T] = directions(st);
      const [dxI, dyjI, dtI] = softmaxBlockGrads(x, yj, tPrime, I, null, coef, offset, tile);
      const [dyT, dxjT, dtT] = softmaxBlockGrads(y, xj, tPrime, T, null, coef, offset, tile);
      return [dxI, dyT, dxjT, dyjI, tf.add(dtI, dtT) as Scalar];
    });

  // ---- backward: recompute every block; own rows accumulate here, foreign ones ride along
  const own = block(x, y, 0); // every share is own
  let [dx, dy] = ctx.compute(() => [tf.add(own[0], own[2]) as Tensor2D, tf.add(own[1], own[3]) as Tensor2D]);
  let dt = own[4];
  ctx.drop(...own.slice(0, 4));
  cur = [x, y];
  let acc: Tensor2D[] = []; // the accumulators d x_j, d y_j of the block this rank computed last
  for (let r = 1; r < W; r++) {
    const [xj, yj, ...carried] = yield* comm.ringShift([...cur, ...acc], 'bwd'); // beside the blocks
    if (r > 1) ctx.drop(...cur);
    ctx.drop(...acc);
    cur = [xj!, yj!];
    const [a, b, dxj, dyj, dtR] = block(xj!, yj!, null);
    const sums = ctx.compute(() => [
      tf.add(dx, a) as Tensor2D,
      tf.add(dy, b) as Tensor2D,
      tf.add(dt, dtR) as Scalar,
      (r > 1 ? tf.add(carried[0]!, dxj) : tf.clone(dxj)) as Tensor2D,
      (r > 1 ? tf.add(carried[1]!, dyj) : tf.clone(dyj)) as Tensor2D,
    ]);
    ctx.drop(dx, dy, dt, a, b, dxj, dyj, dtR, ...carried);
    [dx, dy, dt] = sums;
    acc = [sums[3], sums[4]];
  }
  if (W > 1) {
    ctx.drop(...cur);
    const [hx, hy] = yield* comm.ringShift(acc, 'bwd'); // the accumulators of x_k, y_k come home
    ctx.drop(...acc);
    const home = ctx.compute(() => [tf.add(dx, hx!) as Tensor2D, tf.add(dy, hy!) as Tensor2D]);
    ctx.drop(dx, dy, hx, hy);
    [dx, dy] = home;
  }
  ctx.drop(...st);
  return { loss, dx, dy, dt, scalars: 'sum' };
};
