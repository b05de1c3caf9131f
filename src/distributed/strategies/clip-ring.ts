// clip / ring (tiled, Inf-CL style). Device k keeps x_k, y_k. Image→text rows of k need the log-sum-
// exp over all y: y travels the ring; text→image rows (columns of the global logits) need all x: x
// travels too — both in one message per round. The softmax needs the final log-sum-exp before any
// gradient, so the backward makes a second lap: blocks travel again and each tile is recomputed; the
// partials d y_j = t·Pᵀ·x_k/2N and d x_j ride along with their blocks in accumulators that start on
// j+1 and make one last hop home. No device holds more than one foreign x, y and accumulator pair.
//
// Bytes per device (E = s·b·D):
//   fwd: [x_j, y_j] shifted right W−1 times                                  2(W−1)·E, W−1 rounds
//   bwd: [x_j, y_j] again W−1 times, + [d x_j, d y_j] accumulators W−1 hops    4(W−1)·E, W rounds
//        (the accumulators ride with the blocks from round 2; round W carries them home alone)
//   total 6(W−1)·E sent and received, 2W−1 rounds (0 for W = 1).
// Keeping the received blocks instead of re-sending them would save 2(W−1)·E but hold all N·D.
import { tf, type Scalar, type Tensor, type Tensor1D, type Tensor2D } from '../../engine/tf.js';
import { clipDiagonal, lseFinish, lseInit, lseUpdate, softmaxRowGrads } from '../blocks.js';
import { ringShift } from '../collectives.js';
import type { DeviceResult, StrategyRun } from './types.js';

export const clipRing: StrategyRun = (ctx, shards) => {
  const { world, n, tPrime } = ctx;
  const W = world.size;
  const tile = ctx.impl === 'naive' ? ctx.b : ctx.chunk; // naive: the whole b×b block at once
  const coef = 1 / (2 * n);
  const dev = (k: number) => world.devices[k]!;

  // ---- forward: running (max, sum) for x_k's rows (image→text) and y_k's rows (text→image)
  let state = shards.map(({ x, y }, k) =>
    dev(k).compute(() => {
      const t = tf.exp(tPrime);
      const [m, s] = lseInit(x.shape[0]);
      return [...lseUpdate({ m, s }, tf.mul(x, t) as Tensor2D, y, tile), ...lseUpdate({ m, s }, tf.mul(y, t) as Tensor2D, x, tile)];
    }),
  );
  const fold = (k: number, xj: Tensor2D, yj: Tensor2D) => {
    const [mI, sI, mT, sT] = state[k]! as Tensor1D[];
    const next = dev(k).compute(() => {
      const t = tf.exp(tPrime);
      const { x, y } = shards[k]!;
      return [...lseUpdate({ m: mI!, s: sI! }, tf.mul(x, t) as Tensor2D, yj, tile), ...lseUpdate({ m: mT!, s: sT! }, tf.mul(y, t) as Tensor2D, xj, tile)];
    });
    dev(k).drop(...state[k]!);
    state[k] = next;
  };
  let cur: Tensor[][] = shards.map(({ x, y }) => [x, y]);
  const lap = (phase: 'fwd' | 'bwd', r: number, extra: Tensor[][] = []) => {
    const next = ringShift(world, phase, cur.map((p, k) => [...p, ...(extra[k] ?? [])]));
    if (r > 1) cur.forEach((p, k) => dev(k).drop(...p)); // own blocks stay
    cur = next.map((p) => p.slice(0, 2));
    return next.map((p) => p.slice(2));
  };
  for (let r = 1; r < W; r++) {
    lap('fwd', r);
    cur.forEach(([xj, yj], k) => fold(k, xj as Tensor2D, yj as Tensor2D));
  }
  if (W > 1) cur.forEach((p, k) => dev(k).drop(...p));
  cur = shards.map(({ x, y }) => [x, y]);
  const lse = state.map((st, k) => {
    const [mI, sI, mT, sT] = st as Tensor1D[];
    const out = dev(k).compute(() => [lseFinish({ m: mI!, s: sI! }), lseFinish({ m: mT!, s: sT! })]);
    dev(k).drop(...st);
    return out as [Tensor1D, Tensor1D];
  });

  // ---- backward: recompute every block; d(own rows) accumulate locally, d(foreign block) rides along
  /** Both directions of block (k, j): [dx_k, dy_k, d x_j, d y_j, dt'] shares. */
  const blockGrads = (k: number, xj: Tensor2D, yj: Tensor2D) =>
    dev(k).compute(() => {
      const { x, y } = shards[k]!;
      const [dxI, dyjI, dtI] = softmaxRowGrads(x, yj, tPrime, lse[k]![0], coef, tile);
      const [dyT, dxjT, dtT] = softmaxRowGrads(y, xj, tPrime, lse[k]![1], coef, tile);
      return [dxI, dyT, dxjT, dyjI, tf.add(dtI, dtT)];
    }) as Tensor2D[];
  const res: DeviceResult[] = shards.map(({ x, y }, k) => {
    const [dx, dy, dxj, dyj, dt] = blockGrads(k, x, y); // own block: every share is own
    const out = dev(k).compute(() => {
      const [lD, dxD, dyD, dtD] = clipDiagonal(x, y, tPrime, n);
      const loss = tf.add(tf.mul(tf.add(tf.sum(lse[k]![0]), tf.sum(lse[k]![1])), coef), lD);
      return [loss, tf.addN([dx!, dxj!, dxD]), tf.addN([dy!, dyj!, dyD]), tf.add(dt!, dtD)];
    });
    dev(k).drop(dx, dy, dxj, dyj, dt);
    return { loss: out[0] as Scalar, dx: out[1] as Tensor2D, dy: out[2] as Tensor2D, dtPrime: out[3] as Scalar };
  });
  let acc: Tensor[][] = [];
  for (let r = 1; r < W; r++) {
    const arrived = lap('bwd', r, acc);
    acc.forEach((p, k) => dev(k).drop(...p));
    acc = cur.map(([xj, yj], k) => {
      const [dx, dy, dxj, dyj, dt] = blockGrads(k, xj as Tensor2D, yj as Tensor2D);
      const d = res[k]!;
      const [dx2, dy2, dt2, ax, ay] = dev(k).compute(() => [
        tf.add(d.dx, dx!),
        tf.add(d.dy, dy!),
        tf.add(d.dtPrime, dt!),
        r > 1 ? tf.add(arrived[k]![0]!, dxj!) : tf.clone(dxj!),
        r > 1 ? tf.add(arrived[k]![1]!, dyj!) : tf.clone(dyj!),
      ]);
      dev(k).drop(d.dx, d.dy, d.dtPrime, dx, dy, dxj, dyj, dt, ...arrived[k]!);
      Object.assign(d, { dx: dx2, dy: dy2, dtPrime: dt2 });
      return [ax!, ay!];
    });
  }
  if (W > 1) {
    cur.forEach((p, k) => dev(k).drop(...p));
    const home = ringShift(world, 'bwd', acc);
    acc.forEach((p, k) => dev(k).drop(...p));
    res.forEach((d, k) => {
      const [hx, hy] = home[k]!;
      const [dx, dy] = dev(k).compute(() => [tf.add(d.dx, hx!), tf.add(d.dy, hy!)]);
      dev(k).drop(d.dx, d.dy, hx, hy);
      Object.assign(d, { dx, dy });
    });
  }
  lse.forEach((l, k) => dev(k).drop(...l));
  return { devices: res, scalars: 'sum' };
};
