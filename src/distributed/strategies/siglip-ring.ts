// siglip / ring (SigLIP paper §3.3, "shift"): x stays, y_j visits every rank; block (k, j) is computed on
// rank k when y_j is there. SigLIP needs no normaliser, so each block's forward and backward are one
// pass: the loss share, dx_k (kept here) and a partial d y_j = t·G_kjᵀ·x_k. The partial d y_j rides the
// ring with y_j in an accumulator and hops home at the end, so no rank ever holds more than one foreign
// block and one accumulator (memory O(b·D + b·c), independent of W; autodiff through the ring would
// keep all W blocks).
//
// Traffic: its formulas in src/distributed/registry.ts (contract/strategies.json), checked against the ledger.
import { tf, type Scalar, type Tensor2D } from '../../engine/tf.js';
import type { DiagonalOffset, SigmoidBlock } from '../../losses/blocks.js';
import type { LossInputs } from '../../losses/types.js';
import type { RankContext, RankStep, Strategy } from './types.js';

/** A rank's running loss share, dx_k, dt', dβ over the blocks it computes. */
export class Accumulator {
  private loss: Scalar;
  private dx: Tensor2D;
  private dt: Scalar;
  private db: Scalar;
  dy: Tensor2D;

  constructor(
    private readonly ctx: RankContext,
    [loss, dA, dB, dt, db]: SigmoidBlock,
  ) {
    [this.loss, this.dx, this.dy, this.dt, this.db] = [loss, dA, dB, dt, db];
  }

  /** Adds a foreign block's shares (and drops them); returns its partial d y_j. */
  add([loss, dA, dB, dt, db]: SigmoidBlock): Tensor2D {
    const [l2, dx2, dt2, db2] = this.ctx.compute(() => [
      tf.add(this.loss, loss) as Scalar,
      tf.add(this.dx, dA) as Tensor2D,
      tf.add(this.dt, dt) as Scalar,
      tf.add(this.db, db) as Scalar,
    ]);
    this.ctx.drop(this.loss, this.dx, this.dt, this.db, loss, dA, dt, db);
    [this.loss, this.dx, this.dt, this.db] = [l2, dx2, dt2, db2];
    return dB;
  }

  /** dy += the partials that came home (none at W = 1). */
  addHome(...home: Tensor2D[]): void {
    if (!home.length) return;
    const [dy] = this.ctx.compute(() => [home.reduce((a, t) => tf.add(a, t), this.dy) as Tensor2D]);
    this.ctx.drop(this.dy, ...home);
    this.dy = dy;
  }

  result(): RankStep {
    return { loss: this.loss, dx: this.dx, dy: this.dy, dt: this.dt, db: this.db, scalars: 'sum' };
  }
}

/** Block (x_k, y_j); offset 0 for the own block (j = k: its diagonal holds the positives), null for any other. */
export const block = (ctx: RankContext, inp: LossInputs, yj: Tensor2D, offset: DiagonalOffset): SigmoidBlock =>
  ctx.sigmoidBlock(inp, yj, offset);

export const siglipRing: Strategy = function* (ctx, inp) {
  const { comm } = ctx;
  const W = comm.world;
  const res = new Accumulator(ctx, block(ctx, inp, inp.y, 0)); // own block, positives included
  let cur = inp.y; // the y block this rank holds now
  let acc: Tensor2D | null = null; // the accumulator this rank holds
  for (let r = 1; r < W; r++) {
    const [next] = yield* comm.ringShift([cur], 'fwd'); // y_{k−r}
    if (r > 1) ctx.drop(cur); // the own y block stays
    cur = next;
    const arrived: Tensor2D | null = acc ? (yield* comm.ringShift([acc], 'bwd'))[0] : null; // from k−1
    ctx.drop(acc ?? undefined);
    const d = res.add(block(ctx, inp, cur, null));
    if (arrived) {
      acc = ctx.compute(() => [tf.add(arrived, d) as Tensor2D])[0];
      ctx.drop(arrived, d);
    } else acc = d; // first visitor of y_{k−1}: starts its accumulator
  }
  if (acc) {
    ctx.drop(cur);
    const [home] = yield* comm.ringShift([acc], 'bwd'); // the accumulator on k holds d y_{k+1}: one last hop
    ctx.drop(acc);
    res.addHome(home);
  }
  return res.result();
};
