// CLIP's fused forward kernels in WGSL: clipRowSweep and clipColumnCombine of src/losses/fused-model.ts,
// line for line. NOT YET RUN ON A GPU; a CPU WGSL interpreter runs it in test/fused-wgsl.test.ts.
import { CLIP_COL_FIELDS, CLIP_PARTIALS, CLIP_ROW_FIELDS } from './layout.js';
import { computeTile, FLOAT_HELPERS, sweepLocals, sweepPrelude, tilingConstants } from './common.wgsl.js';
import type { Tiling } from './tiling.js';

/** `k * n` for field `k` of a packed per-row/per-column output (the layout.ts offsets, in WGSL). */
const rowAt = (f: (typeof CLIP_ROW_FIELDS)[number]) => `${CLIP_ROW_FIELDS.indexOf(f)} * n`;
const colAt = (f: (typeof CLIP_COL_FIELDS)[number]) => `${CLIP_COL_FIELDS.indexOf(f)} * n`;
/** Start of partial array `p` (blocks·n floats each) after the five row fields. */
const partAt = (p: (typeof CLIP_PARTIALS)[number]) =>
  `${CLIP_ROW_FIELDS.length} * n + ${CLIP_PARTIALS.indexOf(p)} * blocks * n`;

/** softplus((m − l_ii) + log(sOff)); 0 when nothing lies off the diagonal (never log(0)). */
const MASKED_TERM = `
fn maskedTerm(m : f32, sOff : f32, diagV : f32, out : ptr<function, f32>) {
  *out = 0.0;
  if (sOff > 0.0) {
    softplus32((m - diagV) + log(sOff), out);
  }
}
`;

/**
 * One workgroup per row block (inputs x, y, tPrime). Sweeps the column tiles: the logit tile goes to
 * tileS; thread r < R then updates row r's online (m, s, sOff, diagV) and thread R + c writes column c's
 * partial over the block (the tile spans the whole block, so the partial is complete). Writes the five
 * row fields and the three partial arrays (layout.ts).
 */
export function clipRowSweepSource(t: Tiling): string {
  return `${sweepPrelude(t)}
${MASKED_TERM}
fn kernel(tid : i32, w : i32) {
  let n = uniforms.n;
  let blocks = (n + BLOCK - 1) / BLOCK;
  let b = w;
  let i0 = b * BLOCK;
  let rowsValid = min(BLOCK, n - i0); // <= 0 in a workgroup past the end: it only joins the barriers
  let t = exp(tPrime[0]);${sweepLocals(t)}
  var m = NEG_BIG;
  var s = 0.0;
  var sOff = 0.0;
  var diagV = 0.0;
  for (var j0 = 0; j0 < n; j0 += TILE) {
    let p0 = i0;
    let q0 = j0;
${computeTile('x')}
    for (var a = 0; a < MR; a++) {
      for (var bb = 0; bb < MC; bb++) {
        tileS[(tr * MR + a) * TS + tc * MC + bb] = t * acc[a * MC + bb];
      }
    }
    workgroupBarrier();
    let colsValid = min(TILE, n - j0);
    if (tid < rowsValid) {
      // rows: online max and sums, the old sums rescaled when the max grows
      let r = tid;
      var tileMax = NEG_BIG;
      for (var c = 0; c < colsValid; c++) { tileMax = max(tileMax, tileS[r * TS + c]); }
      let mNew = max(m, tileMax);
      let scale = exp(m - mNew);
      var sumT = 0.0;
      var offT = 0.0;
      for (var c = 0; c < colsValid; c++) {
        let e = exp(tileS[r * TS + c] - mNew);
        sumT = sumT + e;
        if (i0 + r != j0 + c) { offT = offT + e; } else { diagV = tileS[r * TS + c]; }
      }
      s = fma(s, scale, sumT);
      sOff = fma(sOff, scale, offT);
      m = mNew;
    } else if (tid >= BLOCK && tid < BLOCK + colsValid && rowsValid > 0) {
      // columns: this block's partial, complete in one tile
      let c = tid - BLOCK;
      var cm = NEG_BIG;
      for (var r = 0; r < rowsValid; r++) { cm = max(cm, tileS[r * TS + c]); }
      var cs = 0.0;
      var co = 0.0;
      for (var r = 0; r < rowsValid; r++) {
        let e = exp(tileS[r * TS + c] - cm);
        cs = cs + e;
        if (i0 + r != j0 + c) { co = co + e; }
      }
      let j = j0 + c;
      result[${partAt('colMaxPart')} + b * n + j] = cm;
      result[${partAt('colSumPart')} + b * n + j] = cs;
      result[${partAt('colOffPart')} + b * n + j] = co;
    }
    workgroupBarrier();
  }
  if (tid < rowsValid) {
    let i = i0 + tid;
    let inv = 1.0 / s;
    result[${rowAt('rowMax')} + i] = m;
    result[${rowAt('rowInvSum')} + i] = inv;
    result[${rowAt('offRow')} + i] = sOff * inv;
    result[${rowAt('diag')} + i] = diagV;
    var rowTerm = 0.0;
    maskedTerm(m, sOff, diagV, &rowTerm);
    result[${rowAt('rowTerm')} + i] = rowTerm;
  }
}
`;
}

/** Threads of clipColumnCombine's workgroups (one per column). */
export const COMBINE_THREADS = 256;

/**
 * One thread per column (input rowState, clipRowSweep's output): combine the block partials in block
 * order; write the four column fields. No barriers, so a thread past N may simply return.
 */
export function clipColumnCombineSource(t: Tiling): string {
  return `${tilingConstants(t)}
${FLOAT_HELPERS}
${MASKED_TERM}
fn kernel(tid : i32, w : i32) {
  let n = uniforms.n;
  let blocks = (n + BLOCK - 1) / BLOCK;
  let j = w * ${COMBINE_THREADS} + tid;
  if (j >= n) { return; }
  var M = NEG_BIG;
  for (var b = 0; b < blocks; b++) { M = max(M, rowState[${partAt('colMaxPart')} + b * n + j]); }
  var S = 0.0;
  var SOff = 0.0;
  for (var b = 0; b < blocks; b++) {
    let w = exp(rowState[${partAt('colMaxPart')} + b * n + j] - M);
    S = fma(rowState[${partAt('colSumPart')} + b * n + j], w, S);
    SOff = fma(rowState[${partAt('colOffPart')} + b * n + j], w, SOff);
  }
  let inv = 1.0 / S;
  result[${colAt('colMax')} + j] = M;
  result[${colAt('colInvSum')} + j] = inv;
  result[${colAt('offCol')} + j] = SOff * inv;
  var colTerm = 0.0;
  maskedTerm(M, SOff, rowState[${rowAt('diag')} + j], &colTerm);
  result[${colAt('term')} + j] = rowState[${rowAt('rowTerm')} + j] + colTerm;
}
`;
}

/**
 * CLIP's G_ij for the gradient sweeps (inputs rowState, colState): (P + Q)/(2N) off the diagonal, with
 * P = exp(l − rowMax)·rowInvSum; −(offRow + offCol)/(2N) on it.
 */
export const CLIP_GRAD_AT = `
fn gradAt(i : i32, j : i32, l : f32, out : ptr<function, f32>) {
  let n = uniforms.n;
  let coef = 0.5 / f32(n);
  if (i == j) {
    *out = -(rowState[${rowAt('offRow')} + i] + colState[${colAt('offCol')} + j]) * coef;
    return;
  }
  let p = exp(l - rowState[${rowAt('rowMax')} + i]) * rowState[${rowAt('rowInvSum')} + i];
  let q = exp(l - colState[${colAt('colMax')} + j]) * colState[${colAt('colInvSum')} + j];
  *out = (p + q) * coef;
}
`;
