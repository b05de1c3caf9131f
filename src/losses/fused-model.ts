// A TypeScript model of the fused WebGPU loss kernels (src/engine/kernels/*.wgsl.ts): the same blocks,
// tiles, state names and order of float32 operations, run on the CPU. The GPU cannot be reached from CI,
// so the algorithm is tested here against the float64 reference and only the WGSL transcription needs a
// GPU. Each function below is one kernel; its loops are the workgroups and threads of that kernel.
//
// Float32 throughout (f = Math.fround after every operation), with the GPU's conventions:
//   - a·b + c is one FMA (one rounding): f(c + a·b), exact since the product of two f32 fits in an f64;
//     or two roundings under withoutFma (WGSL leaves the choice to the compiler, so tests run both);
//   - logits are dot products over D in vec4 steps, lanes past D zero (D need not be a multiple of 4);
//   - no infinities: WGSL leaves them indeterminate, so running maxima start at −3e38 and log(0) is
//     never taken (an empty off-diagonal sum contributes exactly 0);
//   - log1p is our own series (WGSL has none, and its log is only accurate to 2^-21 absolute near 1).
// Exp and log are correctly rounded here; the GPU's may be a few ulp off (WGSL allows 3 + 2|x| ulp for exp):
// that, and nothing about the algorithm, is what the GPU check (scripts/check-fused-gpu.ts) adds.
import { blocksOf, workgroupSize, type Tiling } from '../engine/kernels/tiling.js';
import type { HostInputs } from './inputs.js';
import type { LossName } from './types.js';

const f = Math.fround;

let contract = true;
/** a·b + c: one rounding (a fused multiply-add), or two where contraction is off (see withoutFma). */
const fma = (a: number, b: number, c: number) => (contract ? f(c + a * b) : f(c + f(a * b)));

/**
 * Runs `fn` with every a·b + c rounded twice (product, then sum). WGSL lets the compiler contract
 * `acc + a * b` into an FMA or not (its fma() builtin is no promise either), so the model must hold both.
 */
export function withoutFma<T>(fn: () => T): T {
  const was = contract;
  contract = false;
  try {
    return fn();
  } finally {
    contract = was;
  }
}

/** The running-maximum start: finite, far below any logit (|logit| ≤ t·(1 + ε) for unit rows). */
export const NEG_BIG = f(-3e38);

/** log(1 + u) for u ∈ [0, 1]: 2·atanh(z), z = u/(2 + u) ≤ 1/3, odd series to z^15 (truncation < 1e-9). */
export function log1pSeries(u: number): number {
  const z = f(u / f(2 + u));
  const z2 = f(z * z);
  let p = f(1 / 15);
  for (const c of [1 / 13, 1 / 11, 1 / 9, 1 / 7, 1 / 5, 1 / 3]) p = fma(p, z2, f(c));
  const twoZ = f(2 * z);
  return fma(f(twoZ * z2), p, twoZ);
}

/** softplus(a) = max(a, 0) + log1p(exp(−|a|)), float32. */
export function softplus32(a: number): number {
  return f(Math.max(a, 0) + log1pSeries(f(Math.exp(-Math.abs(a)))));
}

/** σ(a) in the form that never overflows: e^a/(1 + e^a) below 0. */
export function sigmoid32(a: number): number {
  if (a >= 0) return f(1 / f(1 + f(Math.exp(-a))));
  const e = f(Math.exp(a));
  return f(e / f(1 + e));
}

/**
 * The tree reduction closing a workgroup: strides halve from the power of two below the size, each
 * thread adding its partner's value (threads past the end have none). Returns thread 0's value.
 */
export function workgroupTreeSum(values: Float32Array): number {
  const v = Float32Array.from(values);
  let stride = 1;
  while (stride * 2 < v.length) stride *= 2;
  for (; stride >= 1; stride = Math.floor(stride / 2))
    for (let k = 0; k < stride; k++) if (k + stride < v.length) v[k] = f(v[k]! + v[k + stride]!);
  return v[0] ?? 0;
}

/** sumReduce (one workgroup of `threads`): thread k adds values k, k + threads, …; then the tree. */
export function sumReduce(values: Float32Array, scale: number, threads = 256): number {
  const acc = new Float32Array(threads);
  for (let k = 0; k < threads; k++) for (let i = k; i < values.length; i += threads) acc[k] = f(acc[k]! + values[i]!);
  return f(workgroupTreeSum(acc) * f(scale));
}

/** x_i·y_j over D in vec4 steps, one FMA per lane; lanes past D load 0 (the kernel's bounds check). */
function dot(a: Float32Array, i: number, b: Float32Array, j: number, d: number): number {
  let acc = 0;
  for (let k0 = 0; k0 < d; k0 += 4)
    for (let lane = 0; lane < 4; lane++) {
      const k = k0 + lane;
      acc = k < d ? fma(a[i * d + k]!, b[j * d + k]!, acc) : fma(0, 0, acc);
    }
  return acc;
}

/** The thread of a workgroup that owns entry (r, c) of a tile (register blocking). */
function ownerOf(t: Tiling, r: number, c: number): number {
  return Math.floor(r / t.microRows) * (t.tile / t.microCols) + Math.floor(c / t.microCols);
}

interface Scalars {
  /** t = exp(t'), computed in f32 by every kernel from the t' buffer. */
  t: number;
  bias: number;
}
const scalarsOf = (h: HostInputs): Scalars => ({ t: f(Math.exp(f(h.tPrime))), bias: f(h.bias) });

// ---------------------------------------------------------------------------------------------- CLIP

/** clipRowSweep's output: per row, and per (row block, column) the column partials. */
export interface ClipRowState {
  /**
   * The row's softmax normaliser as max and 1/sum: P_ij = exp(l_ij − rowMax)·rowInvSum. exp(l_ij − lse)
   * would lose ulp(lse) (7.6e-6 at |lse| ≈ 100, t = 100) in every P; this form is a few ulp, needs no log
   * in the backward, and its P_ij and offRow share the factor, so a row of G sums to zero as exactly as
   * float32 allows (duplicate rows, where the exact gradient vanishes).
   */
  rowMax: Float32Array;
  rowInvSum: Float32Array;
  /** Off-diagonal softmax mass of each row, 1 − P_ii = sOff·rowInvSum, summed without the diagonal. */
  offRow: Float32Array;
  /** l_ii, the diagonal logit (met by row i in exactly one tile). */
  diag: Float32Array;
  /** softplus(lse_{j≠i} l_ij − l_ii): the row's loss term in the masked form. */
  rowTerm: Float32Array;
  /** [block·N + j]: max, Σ exp(l − max) and its off-diagonal part over the block's rows of column j. */
  colMaxPart: Float32Array;
  colSumPart: Float32Array;
  colOffPart: Float32Array;
}

/** The masked loss term softplus((m − l_ii) + log(sOff)), 0 when nothing lies off the diagonal (N = 1). */
function maskedTerm(m: number, sOff: number, diag: number): number {
  return sOff > 0 ? softplus32(f(f(m - diag) + f(Math.log(sOff)))) : 0;
}

/**
 * Kernel 1 (one workgroup per row block): sweep the column tiles; the logit tile goes to workgroup memory,
 * then thread r < R updates row r's online (m, s, sOff) and thread R + c writes column c's partial over
 * the block's rows (complete within the tile: the tile spans the whole block).
 */
export function clipRowSweep(h: HostInputs, tl: Tiling): ClipRowState {
  const { n, d, x, y } = h;
  const { t } = scalarsOf(h);
  const blocks = blocksOf(n, tl);
  const out: ClipRowState = {
    rowMax: new Float32Array(n),
    rowInvSum: new Float32Array(n),
    offRow: new Float32Array(n),
    diag: new Float32Array(n),
    rowTerm: new Float32Array(n),
    colMaxPart: new Float32Array(blocks * n),
    colSumPart: new Float32Array(blocks * n),
    colOffPart: new Float32Array(blocks * n),
  };
  const S = new Float32Array(tl.block * tl.tile);
  for (let b = 0; b < blocks; b++) {
    const i0 = b * tl.block;
    const rows = Math.min(tl.block, n - i0);
    // registers of threads 0..R−1
    const m = new Float32Array(tl.block).fill(NEG_BIG);
    const s = new Float32Array(tl.block);
    const sOff = new Float32Array(tl.block);
    const diag = new Float32Array(tl.block);
    for (let j0 = 0; j0 < n; j0 += tl.tile) {
      const cols = Math.min(tl.tile, n - j0);
      for (let r = 0; r < rows; r++)
        for (let c = 0; c < cols; c++) S[r * tl.tile + c] = f(t * dot(x, i0 + r, y, j0 + c, d));
      // rows: online max and sums, rescaled when the max grows
      for (let r = 0; r < rows; r++) {
        let tileMax = NEG_BIG;
        for (let c = 0; c < cols; c++) tileMax = Math.max(tileMax, S[r * tl.tile + c]!);
        const mNew = Math.max(m[r]!, tileMax);
        const scale = f(Math.exp(f(m[r]! - mNew)));
        let sumT = 0;
        let offT = 0;
        for (let c = 0; c < cols; c++) {
          const e = f(Math.exp(f(S[r * tl.tile + c]! - mNew)));
          sumT = f(sumT + e);
          if (i0 + r !== j0 + c) offT = f(offT + e);
          else diag[r] = S[r * tl.tile + c]!;
        }
        s[r] = fma(s[r]!, scale, sumT);
        sOff[r] = fma(sOff[r]!, scale, offT);
        m[r] = mNew;
      }
      // columns: this block's partial, complete in one tile
      for (let c = 0; c < cols; c++) {
        let cm = NEG_BIG;
        for (let r = 0; r < rows; r++) cm = Math.max(cm, S[r * tl.tile + c]!);
        let cs = 0;
        let co = 0;
        for (let r = 0; r < rows; r++) {
          const e = f(Math.exp(f(S[r * tl.tile + c]! - cm)));
          cs = f(cs + e);
          if (i0 + r !== j0 + c) co = f(co + e);
        }
        out.colMaxPart[b * n + j0 + c] = cm;
        out.colSumPart[b * n + j0 + c] = cs;
        out.colOffPart[b * n + j0 + c] = co;
      }
    }
    for (let r = 0; r < rows; r++) {
      const i = i0 + r;
      out.rowMax[i] = m[r]!;
      out.rowInvSum[i] = f(1 / s[r]!);
      out.offRow[i] = f(sOff[r]! * out.rowInvSum[i]!);
      out.diag[i] = diag[r]!;
      out.rowTerm[i] = maskedTerm(m[r]!, sOff[r]!, diag[r]!);
    }
  }
  return out;
}

export interface ClipColumnState {
  /** The column's softmax normaliser as max and 1/sum (see rowMax). */
  colMax: Float32Array;
  colInvSum: Float32Array;
  /** 1 − Q_jj, summed without the diagonal. */
  offCol: Float32Array;
  /** rowTerm_j + colTerm_j: what the loss sums. */
  term: Float32Array;
}

/** Kernel 2 (one thread per column): combine the block partials in block order, like an online update. */
export function clipColumnCombine(rs: ClipRowState, n: number, tl: Tiling): ClipColumnState {
  const blocks = blocksOf(n, tl);
  const out: ClipColumnState = {
    colMax: new Float32Array(n),
    colInvSum: new Float32Array(n),
    offCol: new Float32Array(n),
    term: new Float32Array(n),
  };
  for (let j = 0; j < n; j++) {
    let M = NEG_BIG;
    for (let b = 0; b < blocks; b++) M = Math.max(M, rs.colMaxPart[b * n + j]!);
    let S = 0;
    let SOff = 0;
    for (let b = 0; b < blocks; b++) {
      const w = f(Math.exp(f(rs.colMaxPart[b * n + j]! - M)));
      S = fma(rs.colSumPart[b * n + j]!, w, S);
      SOff = fma(rs.colOffPart[b * n + j]!, w, SOff);
    }
    out.colMax[j] = M;
    out.colInvSum[j] = f(1 / S);
    out.offCol[j] = f(SOff * out.colInvSum[j]!);
    out.term[j] = f(rs.rowTerm[j]! + maskedTerm(M, SOff, rs.diag[j]!));
  }
  return out;
}

export type SweepRole = 'dx' | 'dy';

/** What one gradient sweep writes: its side's feature gradient, and (dx sweep only) per-block partials. */
export interface GradSweep {
  grad: Float32Array;
  /** Σ G_ij·(l_ij − β) per row block (dx sweep; empty for dy). */
  dtPartial: Float32Array;
  /** Σ G_ij per row block (SigLIP's dx sweep only). */
  dbPartial: Float32Array;
}

/**
 * The shared skeleton of both losses' gradient kernels. Role dx: a workgroup owns a block of x rows and
 * sweeps tiles of y rows; role dy: the same with x and y swapped (so no kernel ever needs atomics or
 * writes a per-block copy of dy: the price is recomputing the logits once more). For each tile it
 * recomputes the logits, forms G in registers (`gradAt`), stores G to workgroup memory and adds G·other
 * into the block's accumulator, dSlice floats of D per workgroup (a second grid axis). The dt' and dβ
 * partials are per-thread sums over its micro tile, then over tiles, then a tree: dx sweep, slice 0 only.
 */
function gradSweep(
  h: HostInputs,
  tl: Tiling,
  role: SweepRole,
  gradAt: (i: number, j: number, scaled: number) => number,
  withBias: boolean,
): GradSweep {
  const { n, d } = h;
  const { t } = scalarsOf(h);
  const other = role === 'dx' ? h.y : h.x;
  const blocks = blocksOf(n, tl);
  const wg = workgroupSize(tl);
  const out: GradSweep = {
    grad: new Float32Array(n * d),
    dtPartial: new Float32Array(role === 'dx' ? blocks : 0),
    dbPartial: new Float32Array(role === 'dx' && withBias ? blocks : 0),
  };
  const G = new Float32Array(tl.block * tl.tile);
  for (let b = 0; b < blocks; b++)
    for (let d0 = 0; d0 < d; d0 += tl.dSlice) {
      const p0 = b * tl.block;
      const rows = Math.min(tl.block, n - p0);
      const width = Math.min(tl.dSlice, d - d0);
      const acc = new Float32Array(tl.block * width);
      const dtThread = new Float32Array(wg);
      const dbThread = new Float32Array(wg);
      for (let q0 = 0; q0 < n; q0 += tl.tile) {
        const cols = Math.min(tl.tile, n - q0);
        const dtLocal = new Float32Array(wg);
        const dbLocal = new Float32Array(wg);
        for (let r = 0; r < rows; r++)
          for (let c = 0; c < cols; c++) {
            // logits in the loss's orientation: row i of x, column j of y
            const i = role === 'dx' ? p0 + r : q0 + c;
            const j = role === 'dx' ? q0 + c : p0 + r;
            const scaled = f(t * dot(h.x, i, h.y, j, d));
            const g = gradAt(i, j, scaled);
            G[r * tl.tile + c] = g;
            const k = ownerOf(tl, r, c);
            dtLocal[k] = fma(g, scaled, dtLocal[k]!);
            dbLocal[k] = f(dbLocal[k]! + g);
          }
        for (let k = 0; k < wg; k++) {
          dtThread[k] = f(dtThread[k]! + dtLocal[k]!);
          dbThread[k] = f(dbThread[k]! + dbLocal[k]!);
        }
        // the product: row r's accumulator over this tile's entries, in column order
        for (let r = 0; r < rows; r++)
          for (let e = 0; e < width; e++)
            for (let c = 0; c < cols; c++)
              acc[r * width + e] = fma(G[r * tl.tile + c]!, other[(q0 + c) * d + d0 + e]!, acc[r * width + e]!);
      }
      for (let r = 0; r < rows; r++)
        for (let e = 0; e < width; e++) out.grad[(p0 + r) * d + d0 + e] = f(t * acc[r * width + e]!);
      if (role === 'dx' && d0 === 0) {
        out.dtPartial[b] = workgroupTreeSum(dtThread);
        if (withBias) out.dbPartial[b] = workgroupTreeSum(dbThread);
      }
    }
  return out;
}

/**
 * CLIP's G_ij: (P_ij + Q_ij)/(2N) off the diagonal; −(offRow_i + offCol_i)/(2N) on it, from the
 * off-diagonal masses (P_ii + Q_ii − 2 would cancel catastrophically when the diagonal dominates).
 */
function clipGradAt(rs: ClipRowState, cs: ClipColumnState, n: number) {
  const coef = f(0.5 / n);
  return (i: number, j: number, l: number): number => {
    if (i === j) return f(-f(rs.offRow[i]! + cs.offCol[j]!) * coef);
    const p = f(f(Math.exp(f(l - rs.rowMax[i]!))) * rs.rowInvSum[i]!);
    const q = f(f(Math.exp(f(l - cs.colMax[j]!))) * cs.colInvSum[j]!);
    return f(f(p + q) * coef);
  };
}

/** Every output of one step (what the fused LossStep returns), plus the model's intermediate state. */
export interface FusedModelResult {
  loss: number;
  dx: Float32Array;
  dy: Float32Array;
  dtPrime: number;
  /** SigLIP only. */
  dBias?: number;
}

export function clipFusedModel(h: HostInputs, tl: Tiling): FusedModelResult {
  const rs = clipRowSweep(h, tl);
  const cs = clipColumnCombine(rs, h.n, tl);
  const loss = sumReduce(cs.term, f(0.5 / h.n));
  const gradAt = clipGradAt(rs, cs, h.n);
  const dxSweep = gradSweep(h, tl, 'dx', gradAt, false);
  const dySweep = gradSweep(h, tl, 'dy', gradAt, false);
  return { loss, dx: dxSweep.grad, dy: dySweep.grad, dtPrime: sumReduce(dxSweep.dtPartial, 1) };
}

// -------------------------------------------------------------------------------------------- SigLIP

/**
 * Kernel 1 (one workgroup per row block): each thread adds softplus(−z·l) over its micro tile, per tile
 * and then across tiles; a tree closes the block. Positives (i = j) are negated before the softplus.
 */
export function siglipLossSweep(h: HostInputs, tl: Tiling): Float32Array {
  const { n, d, x, y } = h;
  const { t, bias } = scalarsOf(h);
  const blocks = blocksOf(n, tl);
  const wg = workgroupSize(tl);
  const partial = new Float32Array(blocks);
  for (let b = 0; b < blocks; b++) {
    const i0 = b * tl.block;
    const rows = Math.min(tl.block, n - i0);
    const lossThread = new Float32Array(wg);
    for (let j0 = 0; j0 < n; j0 += tl.tile) {
      const cols = Math.min(tl.tile, n - j0);
      const lossLocal = new Float32Array(wg);
      for (let r = 0; r < rows; r++)
        for (let c = 0; c < cols; c++) {
          const l = f(f(t * dot(x, i0 + r, y, j0 + c, d)) + bias);
          const signed = i0 + r === j0 + c ? -l : l;
          const k = ownerOf(tl, r, c);
          lossLocal[k] = f(lossLocal[k]! + softplus32(signed));
        }
      for (let k = 0; k < wg; k++) lossThread[k] = f(lossThread[k]! + lossLocal[k]!);
    }
    partial[b] = workgroupTreeSum(lossThread);
  }
  return partial;
}

/** SigLIP's G_ij = −z·σ(−z·l)/N with the positives negated before the sigmoid (exact when l_ii ≫ 0). */
function siglipGradAt(n: number, bias: number) {
  const coef = f(1 / n);
  return (i: number, j: number, scaled: number): number => {
    const l = f(scaled + bias);
    const s = sigmoid32(i === j ? -l : l);
    return f((i === j ? -s : s) * coef);
  };
}

export function siglipFusedModel(h: HostInputs, tl: Tiling): FusedModelResult {
  const { bias } = scalarsOf(h);
  const loss = sumReduce(siglipLossSweep(h, tl), f(1 / h.n));
  const gradAt = siglipGradAt(h.n, bias);
  const dxSweep = gradSweep(h, tl, 'dx', gradAt, true);
  const dySweep = gradSweep(h, tl, 'dy', gradAt, true);
  return {
    loss,
    dx: dxSweep.grad,
    dy: dySweep.grad,
    dtPrime: sumReduce(dxSweep.dtPartial, 1),
    dBias: sumReduce(dxSweep.dbPartial, 1),
  };
}

export const FUSED_MODELS: Record<LossName, (h: HostInputs, tl: Tiling) => FusedModelResult> = {
  clip: clipFusedModel,
  siglip: siglipFusedModel,
};
