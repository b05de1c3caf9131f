// siglip / ring (SigLIP paper §3.3, "shift"): x stays, y_j visits every device; the block (k, j) is
// computed on device k when y_j is there. SigLIP needs no normaliser, so each block's forward and
// backward are one pass: the loss share, dx_k (kept locally) and a partial d y_j = t·G_kjᵀ·x_k.
// The partials of d y_j ride along the ring with y_j in an accumulator and make one last hop home,
// so no device ever holds more than one foreign block and one accumulator (memory O(b·D + b·c),
// independent of W; autodiff through the ring would keep all W blocks).
//
// Traffic: its formulas in src/distributed/registry.ts (contract/strategies.json), checked against the ledger.
import { tf, type Scalar, type Tensor, type Tensor2D } from '../../engine/tf.js';
import { sigmoidBlock, sigmoidBlockNaive, type DiagonalOffset, type SigmoidBlock } from '../../losses/blocks.js';
import { ringShift } from '../collectives.js';
import type { DeviceResult, StrategyContext, StrategyRun } from './types.js';

/**
 * Block (x_k, y_j) on device k, naive or chunked as the scenario says (naive: one b×b tile). offset: 0
 * for the own block (j = k: its diagonal holds the positives), null for any other.
 */
export function siglipBlock(
  ctx: StrategyContext,
  k: number,
  A: Tensor2D,
  B: Tensor2D,
  offset: DiagonalOffset,
): SigmoidBlock {
  const { tPrime, bias, n } = ctx;
  return ctx.world.devices[k]!.compute(() =>
    ctx.impl === 'naive'
      ? sigmoidBlockNaive(A, B, tPrime, bias, 1 / n, offset)
      : sigmoidBlock(A, B, tPrime, bias, 1 / n, offset, ctx.chunk),
  );
}

/** Running sums of one device: loss share, dx_k, dt', dβ. Adds a block's shares and drops them. */
export function accumulate(
  ctx: StrategyContext,
  k: number,
  acc: DeviceResult,
  [loss, dA, , dt, db]: SigmoidBlock,
): DeviceResult {
  const dev = ctx.world.devices[k]!;
  const [l2, dx2, dt2, db2] = dev.compute(() => [
    tf.add(acc.loss, loss),
    tf.add(acc.dx, dA),
    tf.add(acc.dtPrime, dt),
    tf.add(acc.dBias!, db),
  ]);
  dev.drop(acc.loss, acc.dx, acc.dtPrime, acc.dBias, loss, dA, dt, db);
  return { loss: l2 as Scalar, dx: dx2 as Tensor2D, dy: acc.dy, dtPrime: dt2 as Scalar, dBias: db2 as Scalar };
}

export const siglipRing: StrategyRun = (ctx, shards) => {
  const { world } = ctx;
  const W = world.size;
  // Round 0: each device's own block, the only one with positives.
  const res: DeviceResult[] = shards.map(({ x, y }, k) => {
    const [loss, dx, dy, dt, db] = siglipBlock(ctx, k, x, y, 0);
    return { loss, dx, dy, dtPrime: dt, dBias: db };
  });
  let cur: Tensor[] = shards.map((s) => s.y); // the y block each device holds now
  let acc: Tensor[] = [];
  for (let r = 1; r < W; r++) {
    const next = ringShift(
      world,
      'fwd',
      cur.map((t) => [t]),
    ).map(([t]) => t!);
    if (r > 1) cur.forEach((t, k) => world.devices[k]!.drop(t)); // own y blocks stay
    cur = next;
    const arrived =
      r > 1
        ? ringShift(
            world,
            'bwd',
            acc.map((t) => [t]),
          ).map(([t]) => t!)
        : [];
    acc.forEach((t, k) => world.devices[k]!.drop(t));
    acc = shards.map(({ x }, k) => {
      const block = siglipBlock(ctx, k, x, cur[k] as Tensor2D, null);
      const dB = block[2];
      res[k] = accumulate(ctx, k, res[k]!, block);
      if (r === 1) return dB; // first visitor of y_{k−1}: starts its accumulator
      const dev = world.devices[k]!;
      const [sum] = dev.compute(() => [tf.add(arrived[k]!, dB)]);
      dev.drop(arrived[k], dB);
      return sum!;
    });
  }
  if (W > 1) {
    cur.forEach((t, k) => world.devices[k]!.drop(t));
    // The accumulator on k holds d y_{k+1}: one last hop home.
    const home = ringShift(
      world,
      'bwd',
      acc.map((t) => [t]),
    ).map(([t]) => t!);
    acc.forEach((t, k) => world.devices[k]!.drop(t));
    res.forEach((r, k) => {
      const dev = world.devices[k]!;
      const [dy] = dev.compute(() => [tf.add(r.dy, home[k]!)]);
      dev.drop(r.dy, home[k]);
      r.dy = dy as Tensor2D;
    });
  }
  return { devices: res, scalars: 'sum' };
};
