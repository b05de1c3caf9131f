// siglip / ring-bidir (open_clip `bidir=True`): y blocks travel both ways round the ring at once. In
// round i = 1..⌊(W−1)/2⌋ rank k receives y_{k−i} from the left and y_{k+i} from the right; when W−1 is
// odd one more rightward shift brings y_{k−h} (h = ⌈(W−1)/2⌉). Every block is computed once. The
// gradient returns the way its block came, in reverse round order, each rank adding its partial d y_j
// to the accumulator as it passes (what autograd does through open_clip's exchanges). The paths meet
// far from home, so each rank keeps its partial d y_j (b×D) of each received block until the returning
// accumulator collects it: O(W·b·D) per rank, the price of ⌈(W−1)/2⌉ rounds.
//
// Traffic: its formulas in src/distributed/registry.ts (contract/strategies.json), checked against the ledger.
import { tf, type Tensor2D } from '../../engine/tf.js';
import { Accumulator, block } from './siglip-ring.js';
import type { Strategy } from './types.js';

export const siglipRingBidir: Strategy = function* (ctx, inp) {
  const { comm } = ctx;
  const W = comm.world;
  const [bidir, oneWay] = [Math.floor((W - 1) / 2), (W - 1) % 2 === 1];
  const res = new Accumulator(ctx, block(ctx, inp, inp.y, 0));
  // partR[i]: this rank's partial d y_{k−i} (block from the left); partL[i]: d y_{k+i}
  const partR: Tensor2D[] = [];
  const partL: Tensor2D[] = [];

  // Forward (with each block's local backward fused in).
  let [toRight, toLeft] = [inp.y, inp.y];
  for (let i = 1; i <= bidir; i++) {
    const [fromLeft, fromRight] = yield* comm.bidirShift(toRight, toLeft, 'fwd');
    if (i > 1) ctx.drop(toRight, toLeft);
    [toRight, toLeft] = [fromLeft, fromRight];
    partR[i] = res.add(block(ctx, inp, fromLeft, null));
    partL[i] = res.add(block(ctx, inp, fromRight, null));
  }
  if (oneWay) {
    const [fromLeft] = yield* comm.ringShift([toRight], 'fwd');
    partR[bidir + 1] = res.add(block(ctx, inp, fromLeft, null));
    ctx.drop(fromLeft);
  }
  if (bidir > 0) ctx.drop(toRight, toLeft);

  // Backward: the accumulators retrace the blocks' paths.
  /** The accumulator that arrived, plus this rank's partial of the same block (both dropped). */
  const addInto = (arrived: Tensor2D, part: Tensor2D) => {
    const [sum] = ctx.compute(() => [tf.add(part, arrived) as Tensor2D]);
    ctx.drop(part, arrived);
    return sum;
  };
  let accR: Tensor2D | null = null;
  let accL: Tensor2D | null = null;
  if (oneWay) {
    const [back] = yield* comm.ringShift([partR[bidir + 1]!], 'bwd', -1); // from k+1: d y_{k−h+1}
    ctx.drop(partR[bidir + 1]);
    accR = bidir > 0 ? addInto(back, partR[bidir]!) : back;
  } else if (bidir > 0) accR = partR[bidir]!;
  if (bidir > 0) accL = partL[bidir]!;
  for (let i = bidir; i >= 1; i--) {
    // the block that came from the left returns left, the one from the right returns right
    const [fromLeft, fromRight] = yield* comm.bidirShift(accL!, accR!, 'bwd');
    ctx.drop(accR!, accL!);
    accR = i > 1 ? addInto(fromRight, partR[i - 1]!) : fromRight;
    accL = i > 1 ? addInto(fromLeft, partL[i - 1]!) : fromLeft;
  }
  res.addHome(...[accR, accL].filter((t): t is Tensor2D => t !== null)); // both now hold partials of this rank's own y
  return res.result();
};
