// The memory model's constants per engine. The form is the same for both (memory.ts: per device,
// s·(kLogit·L + kFeature·F)); the constants differ because they count live tensors, and PyTorch's
// autograd keeps other intermediates than tfjs's (fused softmax/log-softmax and binary-cross-entropy
// kernels, views that share storage, gradients accumulated in place): CLIP naive keeps ~6.5 N×N tensors
// on torch against ~20 on tfjs.
//
// Fitted from the torch engine on the CPU (torch 1.13, fp32, peak_tensor_bytes from the torch profiler's
// allocation events, busiest rank): `lossbench bench --engine torch --device cpu` over single N = 256..2048
// with D = 32 and 128, c = 64 (and c = 256 at N = 512, 2048, chunked), and every distributed strategy ×
// impl at b = 128, 256, W = 2, 4, D = 32, 128, c = 64 (136 scenarios, all ok: `--config
// scripts/torch-memory-fit.json`, kept in results/samples/torch-cpu-memory-fit); then `plan --calibrate`
// on that folder (least squares per loss/strategy/impl of peak_tensor_bytes/4 against L and F). Largest
// error over the fitted rows: single ≤ 8 %, allgather ≤ 17 %, rings ≤ 20 % (their per-round buffers are
// not exactly b×D-shaped). `plan --calibrate <your torch run>` refits them for another machine or GPU.
import type { EngineName } from '../engine/engines.js';
import { MEMORY_CONSTANTS } from './memory.js';

/** loss/strategy/impl → constants of lossbench_torch on PyTorch. */
export const TORCH_MEMORY_CONSTANTS: typeof MEMORY_CONSTANTS = {
  'clip/single/naive': { kLogit: 6.5, kFeature: 1.01 },
  'clip/single/chunked': { kLogit: 4.58, kFeature: 4.34 },
  'clip/allgather-global/naive': { kLogit: 6.52, kFeature: 3.72 },
  'clip/allgather-global/chunked': { kLogit: 4.54, kFeature: 6.96 },
  'clip/allgather-local/naive': { kLogit: 6.48, kFeature: 3.65 },
  'clip/allgather-local/chunked': { kLogit: 2.99, kFeature: 7.72 },
  'clip/ring/naive': { kLogit: 2.79, kFeature: 15.71 },
  'clip/ring/chunked': { kLogit: 2.69, kFeature: 16.77 },
  'siglip/single/naive': { kLogit: 5.0, kFeature: 1.0 },
  'siglip/single/chunked': { kLogit: 3.5, kFeature: 5.44 },
  'siglip/allgather/naive': { kLogit: 3.76, kFeature: 3.74 },
  'siglip/allgather/chunked': { kLogit: 1.97, kFeature: 5.87 },
  'siglip/ring/naive': { kLogit: 3.73, kFeature: 9.19 },
  'siglip/ring/chunked': { kLogit: 3.0, kFeature: 10.5 },
  'siglip/ring-bidir/naive': { kLogit: 4.06, kFeature: 2.9 },
  'siglip/ring-bidir/chunked': { kLogit: 4.85, kFeature: 3.17 },
};

/** The constants of an engine's implementations. */
export function memoryConstantsOf(engine: EngineName): typeof MEMORY_CONSTANTS {
  return engine === 'torch' ? TORCH_MEMORY_CONSTANTS : MEMORY_CONSTANTS;
}
