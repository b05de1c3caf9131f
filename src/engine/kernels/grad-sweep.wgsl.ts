// The gradient sweep of both losses in WGSL: gradSweep of src/losses/fused-model.ts. Role dx: a workgroup
// owns a block of x rows and sweeps tiles of y rows; role dy: the same with x and y swapped, so that no
// kernel needs float atomics (WGSL has none) or writes a per-block copy of dy. Each tile: recompute the
// logits, form G in registers (the loss's gradAt), store it to tileS, add G·other into the block's slice
// of the gradient. Grid: row blocks × D slices, flattened. NOT YET RUN ON A GPU (a CPU WGSL
// interpreter runs it in test/fused-wgsl.test.ts).
import { computeTile, load4, sweepLocals, sweepPrelude } from './common.wgsl.js';
import { CLIP_GRAD_AT } from './clip.wgsl.js';
import { SIGLIP_GRAD_AT } from './siglip.wgsl.js';
import type { Tiling } from './tiling.js';

export type SweepRole = 'dx' | 'dy';

/**
 * Inputs: x, y, tPrime, then rowState, colState (CLIP) or bias (SigLIP). Output: the role's gradient
 * (N·D), then for role dx the per-block dt' partials and, for SigLIP, the dβ partials (layout.ts).
 */
export function gradSweepSource(loss: 'clip' | 'siglip', role: SweepRole, t: Tiling): string {
  const other = role === 'dx' ? 'y' : 'x';
  // i indexes x (rows of the logits), j indexes y, whichever side this workgroup owns
  const [I, J] = role === 'dx' ? ['p0 + rr', 'q0 + cc'] : ['q0 + cc', 'p0 + rr'];
  const withBias = loss === 'siglip';
  return `${sweepPrelude(t)}
${loss === 'clip' ? CLIP_GRAD_AT : SIGLIP_GRAD_AT}
fn kernel(tid : i32, w : i32) {
  let n = uniforms.n;
  let d = uniforms.d;
  let blocks = (n + BLOCK - 1) / BLOCK;
  let b = w % blocks;
  let sliceIndex = w / blocks;
  let p0 = b * BLOCK;
  let d0 = sliceIndex * DSLICE;
  let dEnd = min(d0 + DSLICE, d); // <= d0 in a workgroup past the last slice: it only joins the barriers
  let rowsValid = min(BLOCK, n - p0);
  let t = exp(tPrime[0]);${sweepLocals(t)}
  let r = tid / LANES; // the product: LANES threads per row, vec4 columns lane, lane + LANES, ...
  let lane = tid % LANES;
  var gacc : array<vec4<f32>, ACC4>;
  var dtThread = 0.0;
  var dbThread = 0.0;
  for (var q0 = 0; q0 < n; q0 += TILE) {
${computeTile(role === 'dx' ? 'x' : 'y')}
    let colsValid = min(TILE, n - q0);
    var dtLocal = 0.0;
    var dbLocal = 0.0;
    for (var a = 0; a < MR; a++) {
      for (var bb = 0; bb < MC; bb++) {
        let rr = tr * MR + a;
        let cc = tc * MC + bb;
        var g = 0.0;
        if (rr < rowsValid && cc < colsValid) {
          let scaled = t * acc[a * MC + bb];
          gradAt(${I}, ${J}, scaled, &g);
          dtLocal = fma(g, scaled, dtLocal);
          dbLocal = dbLocal + g;
        }
        tileS[rr * TS + cc] = g;
      }
    }
    dtThread = dtThread + dtLocal;
    dbThread = dbThread + dbLocal;
    workgroupBarrier();
    if (r < rowsValid) {
      for (var qv = 0; qv < ACC4; qv++) {
        let k = d0 + (lane + LANES * qv) * 4;
        if (k < dEnd) {
          var a4 = gacc[qv];
          for (var c = 0; c < colsValid; c++) {
            a4 = fma(vec4<f32>(tileS[r * TS + c]), ${load4(other, 'q0 + c', 'k')}, a4);
          }
          gacc[qv] = a4;
        }
      }
    }
    workgroupBarrier();
  }
  if (r < rowsValid) {
    for (var qv = 0; qv < ACC4; qv++) {
      let k = d0 + (lane + LANES * qv) * 4;
      if (k < dEnd) {
        let v = t * gacc[qv];
        let base = (p0 + r) * d + k;
        result[base] = v.x;
        if (k + 1 < d) { result[base + 1] = v.y; }
        if (k + 2 < d) { result[base + 2] = v.z; }
        if (k + 3 < d) { result[base + 3] = v.w; }
      }
    }
  }
${
  role === 'dx'
    ? `  var dtBlock = 0.0;
  treeSum(dtThread, tid, &dtBlock);
  ${withBias ? 'var dbBlock = 0.0;\n  treeSum(dbThread, tid, &dbBlock);' : ''}
  if (tid == 0 && sliceIndex == 0) {
    result[n * d + b] = dtBlock;
    ${withBias ? 'result[n * d + blocks + b] = dbBlock;' : ''}
  }`
    : '  // the dy sweep writes no partials: the dx sweep already summed every G once'
}
}
`;
}
