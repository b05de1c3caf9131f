// clip / ring (tiled, Inf-CL style). Device k keeps x_k, y_k. Image→text rows of k need the log-sum-
// exp over all y: y travels the ring; text→image rows (columns of the global logits) need all x: x
// travels too — both in one message per round. The softmax needs the final log-sum-exp before any
// gradient, so the backward makes a second lap: blocks travel again and each tile is recomputed; the
// partials d y_j = t·Pᵀ·x_k/2N and d x_j ride along with their blocks in accumulators that start on
// j+1 and make one last hop home. No device holds more than one foreign x, y and accumulator pair.
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
import { ringShift } from '../collectives.js';
import type { DeviceResult, StrategyRun } from './types.js';

const asState = ([m, s, sOff]: Tensor[]): SoftmaxState => ({
  m: m as Tensor1D,
  s: s as Tensor1D,
  sOff: sOff as Tensor1D,
});

export const clipRing: StrategyRun = (ctx, shards) => {
  const { world, n, tPrime } = ctx;
  const W = world.size;
  const tile = ctx.impl === 'naive' ? ctx.b : ctx.chunk; // naive: the whole b×b block at once
  const coef = 1 / (2 * n);
  const dev = (k: number) => world.devices[k]!;

  // ---- forward: online softmax state (m, s, sOff) of x_k's rows (image→text) and y_k's rows (text→image).
  // offset: 0 for the own block (j = k: its diagonal holds the positives), null for any other.
  /** Block (x_j, y_j) folded into device k's state (a fresh one when st is null). */
  const fold = (k: number, st: Tensor[] | null, xj: Tensor2D, yj: Tensor2D, offset: DiagonalOffset) =>
    dev(k).compute(() => {
      const t = tf.exp(tPrime);
      const { x, y } = shards[k]!;
      const [sI, sT] = st
        ? [asState(st.slice(0, 3)), asState(st.slice(3))]
        : [softmaxInit(x.shape[0]), softmaxInit(y.shape[0])];
      const I = softmaxUpdate(sI, tf.mul(x, t) as Tensor2D, yj, offset, tile).state;
      const T = softmaxUpdate(sT, tf.mul(y, t) as Tensor2D, xj, offset, tile).state;
      return [I.m, I.s, I.sOff, T.m, T.s, T.sOff];
    });
  const state = shards.map(({ x, y }, k) => fold(k, null, x, y, 0));
  let cur: Tensor[][] = shards.map(({ x, y }) => [x, y]);
  const lap = (phase: 'fwd' | 'bwd', r: number, extra: Tensor[][] = []) => {
    const next = ringShift(
      world,
      phase,
      cur.map((p, k) => [...p, ...(extra[k] ?? [])]),
    );
    if (r > 1) cur.forEach((p, k) => dev(k).drop(...p)); // own blocks stay
    cur = next.map((p) => p.slice(0, 2));
    return next.map((p) => p.slice(2));
  };
  for (let r = 1; r < W; r++) {
    lap('fwd', r);
    cur.forEach(([xj, yj], k) => {
      const next = fold(k, state[k]!, xj as Tensor2D, yj as Tensor2D, null);
      dev(k).drop(...state[k]!);
      state[k] = next;
    });
  }
  if (W > 1) cur.forEach((p, k) => dev(k).drop(...p));
  cur = shards.map(({ x, y }) => [x, y]);
  /** Device k's finished softmax state of both directions (image→text, text→image). */
  const statesOf = (k: number): [SoftmaxState, SoftmaxState] => [
    asState(state[k]!.slice(0, 3)),
    asState(state[k]!.slice(3)),
  ];

  // ---- backward: recompute every block; d(own rows) accumulate locally, d(foreign block) rides along
  /** Both directions of block (k, j): [dx_k, dy_k, d x_j, d y_j, dt'] shares. */
  const blockGrads = (k: number, xj: Tensor2D, yj: Tensor2D, offset: DiagonalOffset) =>
    dev(k).compute(() => {
      const { x, y } = shards[k]!;
      const [I, T] = statesOf(k);
      const [dxI, dyjI, dtI] = softmaxBlockGrads(x, yj, tPrime, I, null, coef, offset, tile);
      const [dyT, dxjT, dtT] = softmaxBlockGrads(y, xj, tPrime, T, null, coef, offset, tile);
      return [dxI, dyT, dxjT, dyjI, tf.add(dtI, dtT) as Scalar] as [Tensor2D, Tensor2D, Tensor2D, Tensor2D, Scalar];
    });
  const res: DeviceResult[] = shards.map(({ x, y }, k) => {
    const [dx, dy, dxj, dyj, dt] = blockGrads(k, x, y, 0); // own block: every share is own
    const [loss, dx2, dy2] = dev(k).compute(() => {
      // the loss of both directions, each row's term from its off-diagonal mass (blocks.ts)
      const [I, T] = statesOf(k);
      const diag = rowDots(tf.mul(x, tf.exp(tPrime)), y);
      const loss = tf.mul(tf.add(softmaxPairLoss(I, diag), softmaxPairLoss(T, diag)), coef);
      return [loss, tf.add(dx, dxj), tf.add(dy, dyj)];
    });
    dev(k).drop(dx, dy, dxj, dyj);
    return { loss: loss as Scalar, dx: dx2 as Tensor2D, dy: dy2 as Tensor2D, dtPrime: dt };
  });
  let acc: Tensor[][] = [];
  for (let r = 1; r < W; r++) {
    const arrived = lap('bwd', r, acc);
    acc.forEach((p, k) => dev(k).drop(...p));
    acc = cur.map(([xj, yj], k) => {
      const [dx, dy, dxj, dyj, dt] = blockGrads(k, xj as Tensor2D, yj as Tensor2D, null);
      const d = res[k]!;
      const [dx2, dy2, dt2, ax, ay] = dev(k).compute(() => [
        tf.add(d.dx, dx),
        tf.add(d.dy, dy),
        tf.add(d.dtPrime, dt),
        r > 1 ? tf.add(arrived[k]![0]!, dxj) : tf.clone(dxj),
        r > 1 ? tf.add(arrived[k]![1]!, dyj) : tf.clone(dyj),
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
  state.forEach((st, k) => dev(k).drop(...st));
  return { devices: res, scalars: 'sum' };
};
