// The tile library of every loss path: the chunked losses of one device (clip.ts, siglip.ts), every
// distributed strategy (src/distributed/strategies), and the textbook (naive) forms of a whole block.
//
// A block is rows A (r×D) against columns B (m×D): logits = (t·A)·Bᵀ (+β for SigLIP), visited in tiles
// of `tile` columns, each in its own tidy. Every function is told where its block sits against the
// global diagonal (DiagonalOffset), and every tile that holds positives uses the masked forms:
//   CLIP    the diagonal's gradient from the off-diagonal softmax mass, −(1 − P_ii) = −Σ_{j≠i} P_ij, and
//           the row term as softplus(lse_{j≠i} l_ij − l_ii); never P_ii − 1 or lse − l_ii, which cancel
//           in float32 when the diagonal dominates (t = 100, x_i ≈ y_i: ~1e-3 relative error in dx).
//   SigLIP  the positives negated before the sigmoid, −σ(−l_ii); never σ(l_ii) − 1.
// For a logit gradient G: dA = t·G·B, dB = t·Gᵀ·A, dt' = Σ G∘(logits − β), dβ = Σ G.
import { tf, type Scalar, type Tensor, type Tensor1D, type Tensor2D } from '../engine/tf.js';

// ---------- small helpers (naive paths share these) ----------

export interface ColumnRange {
  start: number;
  size: number;
}

/** Column tiles [start, start+size) of width c covering 0..n; the last one may be narrower. */
export function columnTiles(n: number, c: number): ColumnRange[] {
  if (!Number.isInteger(c) || c < 1) throw new RangeError(`chunk size must be a positive integer, got ${c}`);
  const tiles: ColumnRange[] = [];
  for (let start = 0; start < n; start += c) tiles.push({ start, size: Math.min(c, n - start) });
  return tiles;
}

/**
 * softplus(s) = log(1 + exp(s)) through tfjs's Softplus kernel (cpu, wasm and webgpu all have one; its
 * gradient is σ(s)). Not the composite max(s, 0) + log1p(exp(−|s|)): wasm's log1p is log(1 + x), which
 * returns 0 for softplus(−30) where the kernel keeps full relative precision.
 */
export function softplus(s: Tensor): Tensor {
  return tf.softplus(s);
}

/** Row-wise dot products x_i·y_i (N). */
export function rowDots(x: Tensor, y: Tensor): Tensor {
  return tf.tidy(() => tf.sum(tf.mul(x, y), 1));
}

/**
 * Sum of a 2-D tile in two stages (rows, then their sums). A single float32 reduction over N·c terms
 * loses ~1e-4 relative accuracy on wasm at N = 257; two stages keep the error near (N + c)·ε.
 */
export function sumAll(t: Tensor): Tensor {
  return tf.tidy(() => (t.rank === 2 ? tf.sum(tf.sum(t, 1)) : tf.sum(t)));
}

/** Rows [start, start+size) of B (B itself when that is all of it: no copy). */
const rows = (B: Tensor2D, start: number, size: number): Tensor2D =>
  start === 0 && size === B.shape[0] ? B : (tf.slice(B, [start, 0], [size, -1]) as Tensor2D);

// ---------- where the positives are ----------

/**
 * Where a block sits against the global diagonal: the global index of its first row minus that of its
 * first column (rowStart − colStart), so that entry (i, j) is a positive — a pair (x_p, y_p) — when
 * j = i + offset. null: the block holds no positives (its rows and columns are different pairs).
 */
export type DiagonalOffset = number | null;

/**
 * The positives of an r×w tile at this offset as a boolean mask, built from two index ranges (the size
 * of the tile, never N×N).
 */
export function positiveMask(r: number, w: number, offset: number): Tensor {
  return tf.tidy(() =>
    tf.equal(tf.expandDims(tf.range(offset, offset + r, 1, 'int32'), 1), tf.expandDims(tf.range(0, w, 1, 'int32'), 0)),
  );
}

/** One tile: columns [start, start+size) of its block, and its offset — null unless it holds a positive. */
export interface Tile extends ColumnRange {
  offset: DiagonalOffset;
}

/** The tiles of width `tile` of an r×m block at `offset`; only those that hold positives keep an offset. */
export function blockTiles(r: number, m: number, tile: number, offset: DiagonalOffset): Tile[] {
  return columnTiles(m, tile).map(({ start, size }) => {
    const o = offset === null ? null : offset - start;
    return { start, size, offset: o !== null && o < size && o + r > 0 ? o : null };
  });
}

/**
 * Folds the tiles of B into accumulators, each tile in its own tidy so that no tile outlives its use (a
 * tidy around the whole loop would keep every tile alive). `body` gets the tile's rows of B and returns
 * the new accumulators followed by any per-tile outputs (kept, in tile order). The accumulators it
 * replaces are disposed at once (an N×D one would otherwise live to the caller's tidy), except `init`
 * when it is `borrowed` (the caller's state).
 */
export function foldTiles(
  B: Tensor2D,
  r: number,
  tile: number,
  offset: DiagonalOffset,
  init: Tensor[],
  body: (acc: Tensor[], Bj: Tensor2D, t: Tile) => Tensor[],
  borrowed = false,
): { acc: Tensor[]; outs: Tensor[] } {
  let acc = init;
  const outs: Tensor[] = [];
  for (const t of blockTiles(r, B.shape[0], tile, offset)) {
    const next = tf.tidy(() => body(acc, rows(B, t.start, t.size), t));
    // an accumulator may pass a tile unchanged
    tf.dispose(acc.filter((a) => !next.includes(a) && !(borrowed && init.includes(a))));
    acc = next.slice(0, init.length);
    outs.push(...next.slice(init.length));
  }
  return { acc, outs };
}

const concatRows = (parts: Tensor[]): Tensor2D => (parts.length === 1 ? parts[0]! : tf.concat(parts, 0)) as Tensor2D;

// ---------- CLIP: softmax over columns that may arrive one block at a time ----------

/**
 * Online softmax of each row (FlashAttention's running max and sum): the row max m, Σ_j exp(l_ij − m)
 * over every column (s) and over the off-diagonal ones (sOff), rescaled as the max grows. Finished, it
 * is all the backward needs: P_ij = exp(l_ij − m_i)/s_i and the off-diagonal mass 1 − P_ii = sOff_i/s_i.
 * Kept as (m, s), not lse = m + log s: at t = 100 the lse (≈ 100) is rounded by ~8e-6, which exp(l − lse)
 * turns into a relative error of every P — 1e-3 in dx where nearly equal terms meet (duplicate pairs) —
 * while l − m is exact where P matters.
 */
export interface SoftmaxState {
  m: Tensor1D;
  s: Tensor1D;
  sOff: Tensor1D;
}

export function softmaxInit(r: number): SoftmaxState {
  return { m: tf.fill([r], -Infinity) as Tensor1D, s: tf.zeros([r]) as Tensor1D, sOff: tf.zeros([r]) as Tensor1D };
}

/** Every third tensor from `from`, concatenated: one field of the per-tile column states. */
const field = (outs: Tensor[], from: number) => concatRows(outs.filter((_, i) => i % 3 === from)) as Tensor as Tensor1D;

/**
 * Folds the logits (As·Bᵀ) of one column block into the rows' running state. With `columns`, A holds
 * every row of the softmax (one device), so each tile's columns are complete: their finished state comes
 * back too, in column order — one matmul per tile serves both directions.
 */
export function softmaxUpdate(
  state: SoftmaxState,
  As: Tensor2D,
  B: Tensor2D,
  offset: DiagonalOffset,
  tile: number,
  columns = false,
): { state: SoftmaxState; cols: SoftmaxState | null } {
  const r = As.shape[0];
  const { acc, outs } = foldTiles(
    B,
    r,
    tile,
    offset,
    [state.m, state.s, state.sOff],
    ([m, s, sOff], Bj, t) => {
      const logits = tf.matMul(As, Bj, false, true);
      const mask = t.offset === null ? null : positiveMask(r, t.size, t.offset);
      const zeros = mask && tf.zerosLike(logits);
      const offSum = (e: Tensor, axis: number, all: Tensor) => (mask ? tf.sum(tf.where(mask, zeros!, e), axis) : all);
      const mNew = tf.maximum(m!, tf.max(logits, 1));
      const scale = tf.exp(tf.sub(m!, mNew));
      const e = tf.exp(tf.sub(logits, tf.expandDims(mNew, 1)));
      const eSum = tf.sum(e, 1);
      const next = [mNew, tf.add(tf.mul(s!, scale), eSum), tf.add(tf.mul(sOff!, scale), offSum(e, 1, eSum))];
      if (!columns) return next;
      const cm = tf.max(logits, 0);
      const ec = tf.exp(tf.sub(logits, tf.expandDims(cm, 0)));
      const cs = tf.sum(ec, 0);
      return [...next, cm, cs, offSum(ec, 0, cs)];
    },
    true,
  );
  const [m, s, sOff] = acc as Tensor1D[];
  const cols = columns ? { m: field(outs, 0), s: field(outs, 1), sOff: field(outs, 2) } : null;
  if (cols) tf.dispose(outs.filter((o) => o !== cols.m && o !== cols.s && o !== cols.sOff)); // concatenated now
  return { state: { m: m!, s: s!, sOff: sOff! }, cols };
}

/**
 * Σ_i (lse_i − l_ii) of finished rows, written softplus(lse_{j≠i} − l_ii) = softplus((m − l_ii) + log sOff)
 * (a row without off-diagonal mass gives softplus(−∞) = 0): exact when the diagonal dominates, where
 * lse − l_ii is a difference of two nearly equal numbers. diag: the rows' l_ii.
 */
export function softmaxPairLoss({ m, sOff }: SoftmaxState, diag: Tensor): Scalar {
  return tf.tidy(() => tf.sum(softplus(tf.add(tf.sub(m, diag), tf.log(sOff)))) as Scalar);
}

/**
 * Gradient of coef·(row terms) over one block, recomputing each tile: G = coef·P off the diagonal and
 * −coef·(1 − P_ii) = −coef·sOff_i/s_i on it. With `cols` (A holds every row: one device) the column
 * softmax joins in the same tile: G = coef·(P + Q), −coef·[(1 − P_ii) + (1 − Q_jj)] on the diagonal.
 * Returns dA (r×D), dB (m×D) and dt' of this block, t scaling included.
 */
export function softmaxBlockGrads(
  A: Tensor2D,
  B: Tensor2D,
  tPrime: Scalar,
  rowState: SoftmaxState,
  cols: SoftmaxState | null,
  coef: Scalar | number,
  offset: DiagonalOffset,
  tile: number,
): [Tensor2D, Tensor2D, Scalar] {
  const r = A.shape[0];
  const t = tf.exp(tPrime);
  const As = tf.mul(A, t) as Tensor2D;
  // per row (column): coef·P = exp(l − m)·(coef/s); the diagonal's value −coef·sOff/s
  const scaleOf = (st: SoftmaxState) => tf.div(coef, st.s);
  const diagOf = (st: SoftmaxState, k: Tensor) => tf.neg(tf.mul(st.sOff, k));
  const kR = scaleOf(rowState);
  const [mR, kR2, dR] = [tf.expandDims(rowState.m, 1), tf.expandDims(kR, 1), tf.expandDims(diagOf(rowState, kR), 1)];
  const kC = cols && scaleOf(cols);
  const dC = cols && diagOf(cols, kC!);
  const colSlice = (v: Tensor, { start, size }: Tile) => tf.expandDims(tf.slice(v, [start], [size]), 0);
  const {
    acc: [dA, dt],
    outs: dB,
  } = foldTiles(B, r, tile, offset, [tf.zerosLike(A), tf.scalar(0)], ([dA, dt], Bj, tl) => {
    const logits = tf.matMul(As, Bj, false, true);
    let G = tf.mul(tf.exp(tf.sub(logits, mR)), kR2);
    if (cols) G = tf.add(G, tf.mul(tf.exp(tf.sub(logits, colSlice(cols.m, tl))), colSlice(kC!, tl)));
    if (tl.offset !== null) {
      G = tf.where(positiveMask(r, tl.size, tl.offset), cols ? tf.add(dR, colSlice(dC!, tl)) : dR, G);
    }
    return [tf.add(dA!, tf.matMul(G, Bj)), tf.add(dt!, sumAll(tf.mul(G, logits))), tf.matMul(G, A, true, false)];
  });
  return [tf.mul(dA!, t) as Tensor2D, tf.mul(concatRows(dB), t) as Tensor2D, dt as Scalar];
}

/**
 * One complete softmax direction, chunked: coef·Σ_i (lse_j l_ij − l_ii) for rows A against all the
 * columns B, whose rows offset..offset+r are A's pairs. A softmax pass, then a gradient pass that
 * recomputes each tile. Returns [loss share, dA, dB, dt'].
 */
export function softmaxRows(
  A: Tensor2D,
  B: Tensor2D,
  tPrime: Scalar,
  coef: number,
  offset: number,
  tile: number,
): [Scalar, Tensor2D, Tensor2D, Scalar] {
  const As = tf.mul(A, tf.exp(tPrime)) as Tensor2D;
  const { state } = softmaxUpdate(softmaxInit(A.shape[0]), As, B, offset, tile);
  const [dA, dB, dt] = softmaxBlockGrads(A, B, tPrime, state, null, coef, offset, tile);
  const diag = rowDots(As, rows(B, offset, A.shape[0]));
  return [tf.mul(softmaxPairLoss(state, diag), coef) as Scalar, dA, dB, dt];
}

/** One-hot labels of an r×m block: 1 at (i, i + offset) (tf.oneHot refuses a depth of 1: N = 1). */
export function oneHotLabels(r: number, m: number, offset: number): Tensor2D {
  return tf.tidy(
    () =>
      tf.pad(tf.eye(r), [
        [0, 0],
        [offset, m - offset - r],
      ]) as Tensor2D,
  );
}

/**
 * naive: one softmax direction as the textbook writes it (open_clip's local loss): the whole r×m logits,
 * coef·Σ_i (lse_j l_ij − l_{i,i+offset}) — tfjs's cross-entropy against one-hot labels offset + i — and
 * autodiff.
 */
export function softmaxRowsNaive(
  A: Tensor2D,
  B: Tensor2D,
  tPrime: Scalar,
  coef: number,
  offset: number,
): [Scalar, Tensor2D, Tensor2D, Scalar] {
  const [r, m] = [A.shape[0], B.shape[0]];
  const labels = oneHotLabels(r, m, offset);
  const f = (a: Tensor, b: Tensor, tp: Tensor) => {
    const logits = tf.matMul(tf.mul(a, tf.exp(tp)), b, false, true);
    const ce = tf.losses.softmaxCrossEntropy(labels, logits, undefined, 0, tf.Reduction.SUM);
    return tf.mul(ce, coef) as Scalar;
  };
  const { value, grads } = tf.valueAndGrads(f)([A, B, tPrime]);
  return [value, grads[0] as Tensor2D, grads[1] as Tensor2D, grads[2] as Scalar];
}

// ---------- SigLIP: no normaliser, so a block's loss and gradient need one pass ----------

/**
 * −z of an r×w tile at this offset: −1 on the positives, +1 elsewhere (built in its own tidy: only the
 * tile survives). Multiplying the logits by it negates the positives exactly, as big_vision's labels do,
 * so that −σ(−l_ii) stays exact in float32 when l_ii ≫ 0 (σ(l_ii) − 1, a correction after the fact,
 * cancels). Cheaper than tf.where, which copies its three inputs.
 */
export function negatedLabels(r: number, w: number, offset: number): Tensor {
  return tf.tidy(() => tf.sub(1, tf.mul(tf.cast(positiveMask(r, w, offset), 'float32'), 2)));
}

/** [loss share, dA, dB, dt', dβ] of one block, each scaled by coef (1/N). */
export type SigmoidBlock = [Scalar, Tensor2D, Tensor2D, Scalar, Scalar];

/** Σ softplus(−z∘logits) of one block, unscaled: the chunked forward of one device. */
export function sigmoidBlockLoss(
  A: Tensor2D,
  B: Tensor2D,
  tPrime: Scalar,
  bias: Scalar,
  offset: DiagonalOffset,
  tile: number,
): Scalar {
  const As = tf.mul(A, tf.exp(tPrime)) as Tensor2D;
  const r = A.shape[0];
  const { acc } = foldTiles(B, r, tile, offset, [tf.scalar(0)], ([loss], Bj, t) => {
    const logits = tf.add(tf.matMul(As, Bj, false, true), bias);
    const signed = t.offset === null ? logits : tf.mul(logits, negatedLabels(r, t.size, t.offset));
    return [tf.add(loss!, sumAll(softplus(signed)))];
  });
  return acc[0] as Scalar;
}

/**
 * coef·Σ softplus(−z∘logits) of one block and its gradient G = −z∘σ(−z∘logits)·coef, tile by tile.
 * withLoss false (one device's backward: the forward had the loss) skips the softplus; the loss share
 * is then 0.
 */
export function sigmoidBlock(
  A: Tensor2D,
  B: Tensor2D,
  tPrime: Scalar,
  bias: Scalar,
  coef: Scalar | number,
  offset: DiagonalOffset,
  tile: number,
  withLoss = true,
): SigmoidBlock {
  const t = tf.exp(tPrime);
  const As = tf.mul(A, t) as Tensor2D;
  const zero = () => tf.scalar(0);
  const init = [zero(), tf.zerosLike(A), zero(), zero()];
  const r = A.shape[0];
  const {
    acc: [loss, dA, dt, db],
    outs: dB,
  } = foldTiles(B, r, tile, offset, init, ([loss, dA, dt, db], Bj, tl) => {
    const scaled = tf.matMul(As, Bj, false, true); // logits − β
    const flip = tl.offset === null ? null : negatedLabels(r, tl.size, tl.offset);
    const logits = tf.add(scaled, bias);
    const signed = flip ? tf.mul(logits, flip) : logits;
    const s = tf.sigmoid(signed); // d softplus(−z·l)/dl = −z·σ(−z·l)
    const G = tf.mul(flip ? tf.mul(s, flip) : s, coef);
    return [
      withLoss ? tf.add(loss!, sumAll(softplus(signed))) : loss!,
      tf.add(dA!, tf.matMul(G, Bj)),
      tf.add(dt!, sumAll(tf.mul(G, scaled))),
      tf.add(db!, sumAll(G)),
      tf.matMul(G, A, true, false),
    ];
  });
  const [lossShare, dAt, dBt] = [tf.mul(loss!, coef), tf.mul(dA!, t), tf.mul(concatRows(dB), t)];
  return [lossShare as Scalar, dAt as Tensor2D, dBt as Tensor2D, dt as Scalar, db as Scalar];
}

/** naive: the whole r×m logits and autodiff (what most people write), positives negated the same way. */
export function sigmoidBlockNaive(
  A: Tensor2D,
  B: Tensor2D,
  tPrime: Scalar,
  bias: Scalar,
  coef: number,
  offset: DiagonalOffset,
): SigmoidBlock {
  const [r, m] = [A.shape[0], B.shape[0]];
  const tileOffset = blockTiles(r, m, m, offset)[0]!.offset; // the whole block as one tile
  const flip = tileOffset === null ? null : negatedLabels(r, m, tileOffset);
  const f = (a: Tensor, b: Tensor, tp: Tensor, bi: Tensor) => {
    const logits = tf.add(tf.matMul(tf.mul(a, tf.exp(tp)), b, false, true), bi);
    return tf.mul(sumAll(softplus(flip ? tf.mul(logits, flip) : logits)), coef) as Scalar;
  };
  const { value, grads } = tf.valueAndGrads(f)([A, B, tPrime, bias]);
  return [value, grads[0] as Tensor2D, grads[1] as Tensor2D, grads[2] as Scalar, grads[3] as Scalar];
}
