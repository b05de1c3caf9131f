// Local computations of one device on one row block A (r×D) against one column block B (m×D), with
// the closed-form gradients of docs/design.md, tile by tile (tiles of `tile` columns; naive: one tile).
// logits = (t·A)·Bᵀ (+β for SigLIP); for a logit gradient G: dA = t·G·B, dB = t·Gᵀ·A, dt' = Σ G∘(logits−β).
import { tf, type Scalar, type Tensor, type Tensor1D, type Tensor2D } from '../engine/tf.js';
import { columnTiles, rowDots, softplus, sumAll } from '../losses/tiles.js';

const rows = (B: Tensor, start: number, size: number) =>
  start === 0 && size === B.shape[0] ? B : tf.slice(B, [start, 0], [size, -1]);

/**
 * Folds tiles into accumulators, each tile in its own tidy so that no tile outlives its use (a tidy
 * around the whole loop would keep every tile alive). `body` returns the new accumulators followed
 * by any per-tile outputs (kept); the accumulators it replaces are disposed unless they are `init`.
 */
function foldTiles(n: number, tile: number, init: Tensor[], body: (acc: Tensor[], start: number, size: number) => Tensor[]): { acc: Tensor[]; outs: Tensor[] } {
  let acc = init;
  const outs: Tensor[] = [];
  for (const { start, size } of columnTiles(n, tile)) {
    const next = tf.tidy(() => body(acc, start, size));
    if (acc !== init) tf.dispose(acc);
    acc = next.slice(0, init.length);
    outs.push(...next.slice(init.length));
  }
  return { acc, outs };
}

// ---------- CLIP: row softmax against column blocks that may arrive one at a time ----------

/** Running row max and sum of exp (online log-sum-exp), as in FlashAttention. */
export interface LseState {
  m: Tensor1D;
  s: Tensor1D;
}

export function lseInit(r: number): [Tensor1D, Tensor1D] {
  return [tf.fill([r], -Infinity) as Tensor1D, tf.zeros([r]) as Tensor1D];
}

/** Folds the logits (As·Bᵀ) of one column block into the running state; returns the new state. */
export function lseUpdate(state: LseState, As: Tensor2D, B: Tensor2D, tile: number): [Tensor1D, Tensor1D] {
  const { acc } = foldTiles(B.shape[0], tile, [state.m, state.s], ([m, s], start, size) => {
    const logits = tf.matMul(As, rows(B, start, size), false, true);
    const mNew = tf.maximum(m!, tf.max(logits, 1));
    return [mNew, tf.add(tf.mul(s!, tf.exp(tf.sub(m!, mNew))), tf.sum(tf.exp(tf.sub(logits, tf.expandDims(mNew, 1))), 1))];
  });
  return acc as [Tensor1D, Tensor1D];
}

export const lseFinish = ({ m, s }: LseState): Tensor1D => tf.add(m, tf.log(s)) as Tensor1D;

/**
 * Gradient of coef·Σ_i lse_i over one column block, recomputing each tile: G = coef·softmax rows
 * (with the final lse). Returns dA (r×D), dB (m×D) and dt' for this block; t scaling included.
 */
export function softmaxRowGrads(A: Tensor2D, B: Tensor2D, tPrime: Scalar, lse: Tensor1D, coef: number, tile: number): [Tensor2D, Tensor2D, Scalar] {
  const t = tf.exp(tPrime);
  const As = tf.mul(A, t) as Tensor2D;
  const lseR = tf.expandDims(lse, 1);
  const {
    acc: [dA, dt],
    outs: dB,
  } = foldTiles(B.shape[0], tile, [tf.zerosLike(A), tf.scalar(0)], ([dA, dt], start, size) => {
    const Bj = rows(B, start, size);
    const logits = tf.matMul(As, Bj, false, true);
    const G = tf.mul(tf.exp(tf.sub(logits, lseR)), coef);
    return [tf.add(dA!, tf.matMul(G, Bj)), tf.add(dt!, sumAll(tf.mul(G, logits))), tf.matMul(G, A, true, false)];
  });
  return [tf.mul(dA!, t) as Tensor2D, tf.mul(dB.length === 1 ? dB[0]! : tf.concat(dB, 0), t) as Tensor2D, dt as Scalar];
}

/** naive: coef·Σ_i lse_j(t·A·Bᵀ) with the whole r×m logits and autodiff. Returns [value, dA, dB, dt']. */
export function softmaxRowsNaive(A: Tensor2D, B: Tensor2D, tPrime: Scalar, coef: number): [Scalar, Tensor2D, Tensor2D, Scalar] {
  const f = (a: Tensor, b: Tensor, tp: Tensor) =>
    tf.mul(tf.sum(tf.logSumExp(tf.matMul(tf.mul(a, tf.exp(tp)), b, false, true), 1)), coef) as Scalar;
  const { value, grads } = tf.valueAndGrads(f)([A, B, tPrime]);
  return [value, grads[0] as Tensor2D, grads[1] as Tensor2D, grads[2] as Scalar];
}

/** The positives' term −(1/N)·Σ_i t·x_i·y_i of one device's own pairs (both CLIP directions together). */
export function clipDiagonal(x: Tensor2D, y: Tensor2D, tPrime: Scalar, n: number): [Scalar, Tensor2D, Tensor2D, Scalar] {
  const t = tf.exp(tPrime);
  const dots = tf.mul(tf.sum(rowDots(x, y)), t);
  const loss = tf.div(tf.neg(dots), n) as Scalar;
  const k = tf.div(t, -n);
  return [loss, tf.mul(y, k) as Tensor2D, tf.mul(x, k) as Tensor2D, loss];
}

// ---------- SigLIP: no normaliser, so forward and backward of a block are one pass ----------

/** [loss, dA, dB, dt', dβ] of one block, scaled by 1/N; `diagonal`: A and B are the same pairs. */
export type SigmoidBlock = [Scalar, Tensor2D, Tensor2D, Scalar, Scalar];

/** chunked: Σ softplus(logits)/N − positives, fused with its gradient G = (σ(logits) − δ)/N, tile by tile. */
export function sigmoidBlock(A: Tensor2D, B: Tensor2D, tPrime: Scalar, bias: Scalar, n: number, diagonal: boolean, tile: number): SigmoidBlock {
  const t = tf.exp(tPrime);
  const As = tf.mul(A, t) as Tensor2D;
  const zero = () => tf.scalar(0);
  const {
    acc: [loss, dA, dt, db],
    outs: dB,
  } = foldTiles(B.shape[0], tile, [zero(), tf.zerosLike(A), zero(), zero()], ([loss, dA, dt, db], start, size) => {
    const Bj = rows(B, start, size);
    const scaled = tf.matMul(As, Bj, false, true); // logits − β
    const logits = tf.add(scaled, bias);
    const G = tf.div(tf.sigmoid(logits), n);
    return [
      tf.add(loss!, sumAll(softplus(logits))),
      tf.add(dA!, tf.matMul(G, Bj)),
      tf.add(dt!, sumAll(tf.mul(G, scaled))),
      tf.add(db!, sumAll(G)),
      tf.matMul(G, A, true, false),
    ];
  });
  let out: SigmoidBlock = [
    tf.div(loss!, n) as Scalar,
    tf.mul(dA!, t) as Tensor2D,
    tf.mul(dB.length === 1 ? dB[0]! : tf.concat(dB, 0), t) as Tensor2D,
    dt as Scalar,
    db as Scalar,
  ];
  if (diagonal) out = addPositives(out, A, B, tPrime, bias, n);
  return out;
}

/** naive: the whole r×m logits and autodiff (what most people write), positives in closed form. */
export function sigmoidBlockNaive(A: Tensor2D, B: Tensor2D, tPrime: Scalar, bias: Scalar, n: number, diagonal: boolean): SigmoidBlock {
  const f = (a: Tensor, b: Tensor, tp: Tensor, bi: Tensor) =>
    tf.div(sumAll(softplus(tf.add(tf.matMul(tf.mul(a, tf.exp(tp)), b, false, true), bi))), n) as Scalar;
  const { value, grads } = tf.valueAndGrads(f)([A, B, tPrime, bias]);
  const out: SigmoidBlock = [value, grads[0] as Tensor2D, grads[1] as Tensor2D, grads[2] as Scalar, grads[3] as Scalar];
  return diagonal ? addPositives(out, A, B, tPrime, bias, n) : out;
}

/** The positives of pairs (A_i, B_i): softplus(−l) = softplus(l) − l, so −l_ii/N and its gradient −δ_ij/N. */
export function sigmoidPositives(A: Tensor2D, B: Tensor2D, tPrime: Scalar, bias: Scalar, n: number): SigmoidBlock {
  const t = tf.exp(tPrime);
  const scaled = tf.mul(tf.sum(rowDots(A, B)), t);
  const k = tf.div(t, -n);
  return [
    tf.div(tf.add(scaled, tf.mul(bias, A.shape[0])), -n) as Scalar,
    tf.mul(B, k) as Tensor2D,
    tf.mul(A, k) as Tensor2D,
    tf.div(scaled, -n) as Scalar,
    tf.scalar(-A.shape[0] / n) as Scalar,
  ];
}

function addPositives(block: SigmoidBlock, A: Tensor2D, B: Tensor2D, tPrime: Scalar, bias: Scalar, n: number): SigmoidBlock {
  const pos = sigmoidPositives(A, B, tPrime, bias, n);
  return block.map((v, i) => tf.add(v, pos[i]!)) as SigmoidBlock;
}
