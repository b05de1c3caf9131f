// WGSL shared by the fused loss kernels, as TypeScript strings: the tiling constants, the float helpers
// and the register-blocked logit tile. One-to-one with src/losses/fused-model.ts (same names, same order
// of operations). NOT YET RUN ON A GPU; a CPU WGSL interpreter runs it in test/fused-wgsl.test.ts.
//
// The code is appended to tfjs-backend-webgpu's prelude, which declares `result` (the output, binding 0),
// one `var<storage, read>` array per input named as in the program's variableNames, `uniforms` (with our
// `n` and `d`) and the private builtins localIndex, workgroupId and numWorkgroups; the entry point calls
// our `fn main(index : i32)`, which reads the builtins once and calls `kernel(tid, w)`. Everything below
// takes the thread and workgroup as arguments and keeps its state in function variables (no var<private>
// of ours), so a CPU WGSL interpreter can run `kernel` per invocation too (test/fused-wgsl.test.ts).
//
// Uniformity: every workgroupBarrier() sits in control flow that depends only on uniforms and constants
// (tfjs hands the builtins over through var<private>, which the analysis treats as non-uniform); threads
// and workgroups past the end still run the loops, with their loads and stores guarded.
import { lanesPerRow, workgroupSize, type Tiling } from './tiling.js';

/** Powers of two below a workgroup of `size` threads: the first stride of the tree reduction. */
export function firstStride(size: number): number {
  let stride = 1;
  while (stride * 2 < size) stride *= 2;
  return stride;
}

/** The tiling as WGSL constants (literals, so array sizes are constant expressions). */
export function tilingConstants(t: Tiling): string {
  const wg = workgroupSize(t);
  const lanes = lanesPerRow(t);
  return `
const BLOCK : i32 = ${t.block};
const TILE : i32 = ${t.tile};
const MR : i32 = ${t.microRows};
const MC : i32 = ${t.microCols};
const KD : i32 = ${t.dChunk};
const KD4 : i32 = ${t.dChunk / 4};
const WG : i32 = ${wg};
const DSLICE : i32 = ${t.dSlice};
const LANES : i32 = ${lanes};
const ACC4 : i32 = ${Math.ceil(t.dSlice / (4 * lanes))};
const TREE0 : i32 = ${firstStride(wg)};
const TS : i32 = ${t.tile + 1}; // row stride of the logit tile: one float of padding against bank conflicts
const NEG_BIG : f32 = -3.0e38; // running maxima start here: WGSL leaves infinities indeterminate
`;
}

/** Workgroup memory of a sweep kernel; workgroupBytes() in tiling.ts counts exactly these. */
export function sweepWorkgroupMemory(t: Tiling): string {
  return `
var<workgroup> xs : array<vec4<f32>, ${(t.block * t.dChunk) / 4}>; // own rows, one D chunk
var<workgroup> ys : array<vec4<f32>, ${(t.tile * t.dChunk) / 4}>; // other rows, one D chunk
var<workgroup> tileS : array<f32, ${t.block * (t.tile + 1)}>; // logits (forward) or G (backward)
var<workgroup> red : array<f32, ${workgroupSize(t)}>; // the closing tree reduction
`;
}

/**
 * log1pSeries, softplus32 and sigmoid32 of the model. Helpers hand their result back through a pointer,
 * not as a return value: on a GPU both compile alike, and the CPU interpreter the tests run (wgsl_reflect's
 * lockstep scheduler) shares a function's return value between the invocations of a workgroup.
 */
export const FLOAT_HELPERS = `
// log(1 + u), u in [0, 1]: 2·atanh(z), z = u/(2 + u); WGSL has no log1p and its log is 2^-21 absolute near 1
fn log1pSeries(u : f32, out : ptr<function, f32>) {
  let z = u / (2.0 + u);
  let z2 = z * z;
  var p = 1.0 / 15.0;
  p = fma(p, z2, 1.0 / 13.0);
  p = fma(p, z2, 1.0 / 11.0);
  p = fma(p, z2, 1.0 / 9.0);
  p = fma(p, z2, 1.0 / 7.0);
  p = fma(p, z2, 1.0 / 5.0);
  p = fma(p, z2, 1.0 / 3.0);
  let twoZ = 2.0 * z;
  *out = fma(twoZ * z2, p, twoZ);
}

fn softplus32(a : f32, out : ptr<function, f32>) {
  var lp = 0.0;
  log1pSeries(exp(-abs(a)), &lp);
  *out = max(a, 0.0) + lp;
}

fn sigmoid32(a : f32, out : ptr<function, f32>) {
  if (a >= 0.0) {
    *out = 1.0 / (1.0 + exp(-a));
    return;
  }
  let e = exp(a);
  *out = e / (1.0 + e);
}

// the workgroup's index however tfjs shaped the dispatch (it folds > 65535 workgroups into y and z)
fn flatWorkgroup() -> i32 {
  return i32(workgroupId.z * numWorkgroups.x * numWorkgroups.y + workgroupId.y * numWorkgroups.x + workgroupId.x);
}

fn main(index : i32) {
  kernel(i32(localIndex), flatWorkgroup());
}
`;

/**
 * Feature k of row `row` of input x or y as an expression: 0 past N or D (so D need not be a multiple of 4
 * and idle rows read nothing that matters); the index is clamped so that no read leaves the buffer.
 */
const load1 = (name: 'x' | 'y', row: string, k: string) =>
  `select(0.0, ${name}[min((${row}) * uniforms.d + (${k}), uniforms.n * uniforms.d - 1)], (${row}) < uniforms.n && (${k}) < uniforms.d)`;

/** Features k..k+3 of a row as a vec4 expression (lanes past D are 0). */
export const load4 = (name: 'x' | 'y', row: string, k: string): string =>
  `vec4<f32>(${[0, 1, 2, 3].map((l) => load1(name, row, l ? `${k} + ${l}` : k)).join(', ')})`;

/**
 * computeTile(p0, q0), inlined into each kernel (it fills the kernel's function variable `acc`; a function
 * returning the array would do, but CPU interpreters alias returned arrays across invocations):
 * acc[a·MC + b] = own_{p0 + tr·MR + a} · other_{q0 + tc·MC + b} (the model's dot: D in vec4 steps, one fma
 * per lane, lanes in order). `own` is x in the forward and dx sweeps, y in the dy sweep; the product
 * commutes, so both sweeps see the same logits. Needs tid, tr, tc, p0, q0 in scope; uniform control flow.
 */
export function computeTile(own: 'x' | 'y'): string {
  const other = own === 'x' ? 'y' : 'x';
  return `
  // computeTile(p0, q0); its names prefixed ct_ so that they shadow nothing of the kernel's
  for (var ct_e = 0; ct_e < MR * MC; ct_e++) { acc[ct_e] = 0.0; }
  for (var ct_k0 = 0; ct_k0 < uniforms.d; ct_k0 += KD) {
    for (var ct_v = tid; ct_v < BLOCK * KD4; ct_v += WG) { xs[ct_v] = ${load4(own, 'p0 + ct_v / KD4', 'ct_k0 + (ct_v % KD4) * 4')}; }
    for (var ct_v = tid; ct_v < TILE * KD4; ct_v += WG) { ys[ct_v] = ${load4(other, 'q0 + ct_v / KD4', 'ct_k0 + (ct_v % KD4) * 4')}; }
    workgroupBarrier();
    for (var ct_kq = 0; ct_kq < KD4; ct_kq++) {
      for (var ct_a = 0; ct_a < MR; ct_a++) {
        let ct_xv = xs[(tr * MR + ct_a) * KD4 + ct_kq];
        for (var ct_b = 0; ct_b < MC; ct_b++) {
          let ct_yv = ys[(tc * MC + ct_b) * KD4 + ct_kq];
          var ct_s = acc[ct_a * MC + ct_b];
          ct_s = fma(ct_xv.x, ct_yv.x, ct_s);
          ct_s = fma(ct_xv.y, ct_yv.y, ct_s);
          ct_s = fma(ct_xv.z, ct_yv.z, ct_s);
          ct_s = fma(ct_xv.w, ct_yv.w, ct_s);
          acc[ct_a * MC + ct_b] = ct_s;
        }
      }
    }
    workgroupBarrier();
  }
`;
}

/** treeSum(v, tid, &total): red[] summed by halving strides (the model's workgroupTreeSum); every thread gets it. */
export const TREE_SUM = `
fn treeSum(v : f32, tid : i32, out : ptr<function, f32>) {
  red[tid] = v;
  workgroupBarrier();
  for (var stride = TREE0; stride >= 1; stride = stride / 2) {
    if (tid < stride && tid + stride < WG) { red[tid] = red[tid] + red[tid + stride]; }
    workgroupBarrier();
  }
  *out = red[0];
  workgroupBarrier(); // a second treeSum must not overwrite red[0] before every thread has read it
}
`;

/** Everything a sweep kernel's module starts with (computeTile is inlined by the kernel itself). */
export function sweepPrelude(t: Tiling): string {
  return [tilingConstants(t), sweepWorkgroupMemory(t), FLOAT_HELPERS, TREE_SUM].join('\n');
}

/** The variables every sweep kernel declares first: its logits `acc` and its place in the tile. */
export function sweepLocals(t: Tiling): string {
  return `
  var acc : array<f32, ${t.microRows * t.microCols}>; // this thread's logits of the tile, before t
  let tr = tid / (TILE / MC);
  let tc = tid % (TILE / MC);`;
}
