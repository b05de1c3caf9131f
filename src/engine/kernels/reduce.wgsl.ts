// sumReduce of src/losses/fused-model.ts in WGSL: one workgroup adds `count` floats from `offset` of its
// input (thread k takes k, k + 256, …), closes with the tree and scales. It turns the per-block partials
// and per-row terms into the loss, dt' and dβ. NOT YET RUN ON A GPU (a CPU interpreter runs it in tests).
import { firstStride } from './common.wgsl.js';

export const REDUCE_THREADS = 256;

export function sumReduceSource(): string {
  return `
const WG : i32 = ${REDUCE_THREADS};
const TREE0 : i32 = ${firstStride(REDUCE_THREADS)};
var<workgroup> red : array<f32, ${REDUCE_THREADS}>;

fn main(index : i32) {
  kernel(i32(localIndex), 0);
}

fn kernel(tid : i32, w : i32) {
  var s = 0.0;
  for (var i = tid; i < uniforms.count; i += WG) { s = s + values[uniforms.offset + i]; }
  red[tid] = s;
  workgroupBarrier();
  for (var stride = TREE0; stride >= 1; stride = stride / 2) {
    if (tid < stride && tid + stride < WG) { red[tid] = red[tid] + red[tid + stride]; }
    workgroupBarrier();
  }
  if (tid == 0) { result[0] = red[0] * uniforms.scale; }
}
`;
}
