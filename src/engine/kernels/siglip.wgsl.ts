// SigLIP's fused forward kernel in WGSL (siglipLossSweep of src/losses/fused-model.ts) and its G for the
// gradient sweep. NOT YET RUN ON A GPU; a CPU WGSL interpreter runs it in test/fused-wgsl.test.ts.
import { computeTile, sweepLocals, sweepPrelude } from './common.wgsl.js';
import type { Tiling } from './tiling.js';

/**
 * One workgroup per row block (inputs x, y, tPrime, bias): each thread adds softplus(−z·l) over its micro
 * tile, per tile and then across tiles; a tree closes the block and thread 0 writes its partial. The
 * positives (i = j) are negated before the softplus. Nothing of size N×c is ever written.
 */
export function siglipLossSweepSource(t: Tiling): string {
  return `${sweepPrelude(t)}
fn kernel(tid : i32, w : i32) {
  let n = uniforms.n;
  let blocks = (n + BLOCK - 1) / BLOCK;
  let b = w;
  let i0 = b * BLOCK;
  let rowsValid = min(BLOCK, n - i0);
  let t = exp(tPrime[0]);
  let beta = bias[0];${sweepLocals(t)}
  var lossThread = 0.0;
  for (var j0 = 0; j0 < n; j0 += TILE) {
    let p0 = i0;
    let q0 = j0;
${computeTile('x')}
    let colsValid = min(TILE, n - j0);
    var lossLocal = 0.0;
    for (var a = 0; a < MR; a++) {
      for (var bb = 0; bb < MC; bb++) {
        let rr = tr * MR + a;
        let cc = tc * MC + bb;
        if (rr < rowsValid && cc < colsValid) {
          let l = t * acc[a * MC + bb] + beta;
          let negZl = select(l, -l, i0 + rr == j0 + cc); // −z·l
          var sp = 0.0;
          softplus32(negZl, &sp);
          lossLocal = lossLocal + sp;
        }
      }
    }
    lossThread = lossThread + lossLocal;
  }
  var total = 0.0;
  treeSum(lossThread, tid, &total);
  if (tid == 0 && b < blocks) { result[b] = total; }
}
`;
}

/** SigLIP's G_ij = −z·σ(−z·l)/N, the positives negated before the sigmoid (input bias). */
export const SIGLIP_GRAD_AT = `
fn gradAt(i : i32, j : i32, scaled : f32, out : ptr<function, f32>) {
  let l = scaled + bias[0];
  let coef = 1.0 / f32(uniforms.n);
  var s = 0.0;
  sigmoid32(select(l, -l, i == j), &s);
  *out = select(s, -s, i == j) * coef;
}
`;
