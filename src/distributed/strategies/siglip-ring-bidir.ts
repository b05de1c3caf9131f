// siglip / ring-bidir (open_clip `bidir=True`): y blocks travel both ways round the ring at once.
// In round i = 1..⌊(W−1)/2⌋ device k receives y_{k−i} from the left and y_{k+i} from the right; when
// W−1 is odd one more rightward shift brings y_{k−h} (h = ⌈(W−1)/2⌉). Every block is computed once.
// The gradient returns the way its block came, in reverse round order, each device adding its partial
// d y_j to the accumulator as it passes (what autograd does through open_clip's exchanges). The paths
// meet far from home, so each device keeps its partial d y_j (b×D) of each received block until the
// returning accumulator collects it: O(W·b·D) per device, the price of ⌈(W−1)/2⌉ rounds.
//
// Traffic: its formulas in src/distributed/registry.ts (contract/strategies.json), checked against the ledger.
import { tf, type Tensor, type Tensor2D } from '../../engine/tf.js';
import { bidirShift, ringShift } from '../collectives.js';
import { accumulate, siglipBlock } from './siglip-ring.js';
import type { DeviceResult, StrategyRun } from './types.js';

export const siglipRingBidir: StrategyRun = (ctx, shards) => {
  const { world } = ctx;
  const W = world.size;
  const bidirRounds = Math.floor((W - 1) / 2);
  const oneWay = (W - 1) % 2 === 1;
  const drop = (ts: Tensor[]) => ts.forEach((t, k) => world.devices[k]!.drop(t));

  const res: DeviceResult[] = shards.map(({ x, y }, k) => {
    const [loss, dx, dy, dt, db] = siglipBlock(ctx, k, x, y, 0);
    return { loss, dx, dy, dtPrime: dt, dBias: db };
  });
  // partR[i][k]: device k's partial d y_{k−i} (block from the left); partL[i][k]: d y_{k+i}.
  const partR: Tensor[][] = [];
  const partL: Tensor[][] = [];
  const compute = (blocks: Tensor[]) =>
    shards.map(({ x }, k) => {
      const block = siglipBlock(ctx, k, x, blocks[k] as Tensor2D, null);
      const dB = block[2];
      res[k] = accumulate(ctx, k, res[k]!, block);
      return dB;
    });

  // Forward (with each block's local backward fused in).
  let toRight: Tensor[] = shards.map((s) => s.y);
  let toLeft: Tensor[] = shards.map((s) => s.y);
  for (let i = 1; i <= bidirRounds; i++) {
    const { fromLeft, fromRight } = bidirShift(world, 'fwd', toRight, toLeft);
    if (i > 1) {
      drop(toRight);
      drop(toLeft);
    }
    toRight = fromLeft;
    toLeft = fromRight;
    partR[i] = compute(fromLeft);
    partL[i] = compute(fromRight);
  }
  if (oneWay) {
    const fromLeft = ringShift(
      world,
      'fwd',
      toRight.map((t) => [t]),
    ).map(([t]) => t!);
    partR[bidirRounds + 1] = compute(fromLeft);
    drop(fromLeft);
  }
  if (bidirRounds > 0) {
    drop(toRight);
    drop(toLeft);
  }

  // Backward: accumulators retrace the paths. accR[k] is the d y of the block device k got from the left.
  let accR: Tensor[] = [];
  let accL: Tensor[] = [];
  const addInto = (arrived: Tensor[], parts: Tensor[]) =>
    parts.map((p, k) => {
      const dev = world.devices[k]!;
      const [sum] = dev.compute(() => [tf.add(p, arrived[k]!)]);
      dev.drop(p, arrived[k]);
      return sum!;
    });
  if (oneWay) {
    accR = partR[bidirRounds + 1]!;
    const back = ringShift(
      world,
      'bwd',
      accR.map((t) => [t]),
      -1,
    ).map(([t]) => t!);
    drop(accR);
    accR = bidirRounds > 0 ? addInto(back, partR[bidirRounds]!) : back;
  } else if (bidirRounds > 0) accR = partR[bidirRounds]!;
  if (bidirRounds > 0) accL = partL[bidirRounds]!;
  for (let i = bidirRounds; i >= 1; i--) {
    // the left-arrived block returns left, the right-arrived one returns right
    const { fromLeft, fromRight } = bidirShift(world, 'bwd', accL, accR);
    drop(accR);
    drop(accL);
    accR = i > 1 ? addInto(fromRight, partR[i - 1]!) : fromRight;
    accL = i > 1 ? addInto(fromLeft, partL[i - 1]!) : fromLeft;
  }
  // Home: both accumulators now hold partials of the device's own y.
  if (W > 1)
    res.forEach((r, k) => {
      const dev = world.devices[k]!;
      const extra = bidirRounds > 0 ? [accR[k]!, accL[k]!] : [accR[k]!];
      const [dy] = dev.compute(() => [extra.reduce((a, t) => tf.add(a, t), r.dy as Tensor) as Tensor2D]);
      dev.drop(r.dy, ...extra);
      r.dy = dy!;
    });
  return { devices: res, scalars: 'sum' };
};
