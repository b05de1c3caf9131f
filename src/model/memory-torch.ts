// The torch engine's memory constants, per device kind. The form is memory.ts' (per device,
// s·(kLogit·L + kFeature·F), s = 4: a bf16 tensor counts half an element); the constants differ from
// tfjs's because PyTorch's autograd keeps other intermediates (fused softmax/log-softmax kernels, views
// that share storage, gradients accumulated in place). Which table a prediction uses is chosen in
// memory-constants.ts.
//
// Naive is the textbook step (logits materialised, autograd through cross-entropy or log-sigmoid): what
// the H200 table of issue 17 measured. Chunked is lossbench_torch's own (losses/clip.py, siglip.py,
// blocks.py: one N×c tile alive at a time, exponentials and sigmoids in place).
//
// Single device, both kinds: counted, not fitted to timings: `scripts/torch-cuda-memory.py` runs each step
// under the torch profiler's memory events (every allocation and free of the ATen ops, in order) at
// N = 512..4096, D = 16..512, c = 256..1024, and fits the running peak by least squares (worst error over
// the counted sizes < 1 %). The caching allocator on CUDA sees the same ops allocate the same tensors, but
// for log_sigmoid_forward's buffer (input-sized on the CPU, empty on CUDA): the CUDA count runs the steps
// with that kernel and its backward allocating as CUDA's do, one L less for SigLIP naive and checkpoint.
// The bf16 mode counts the same as fp32 (its matmuls run in bf16, but their outputs are cast back to
// float32 for the reductions, so every N² or N×c tensor held at the peak is float32). Checkpoint is
// torch.utils.checkpoint over column chunks (losses/checkpoint.py), the loop of the table's chunked column.
//
// Distributed strategies: the torch profiler's peak on the busiest CPU rank (gloo), fitted per
// strategy × impl by `plan --calibrate` over `--config scripts/torch-memory-fit.json` (b = 128, 256,
// W = 2, 4, D = 32, 128, c = 64; torch 2.11, after the in-place tiles); the same ATen ops run on CUDA, so
// the CUDA table takes them as they are until a CUDA run refits them (`plan --calibrate <cuda run>`).
// The naive CLIP rows refitted when naive became the textbook cross-entropy (issue 16: 6.5 → 4.0 N²-sized
// tensors, as the single step's count), on the same grid for those two rows alone: within 6 %.
import type { MemoryConstants, MemoryKey, TorchOwnKey } from './memory.js';

/** A torch table: every strategy × impl, and the checkpoint reference on one device. */
export type TorchMemoryTable = Record<MemoryKey | TorchOwnKey, MemoryConstants>;

/** Strategy rows shared by both device kinds (see the header). */
const TORCH_DISTRIBUTED: Record<Exclude<MemoryKey, `${string}/single/${string}`>, MemoryConstants> = {
  'clip/allgather-global/naive': { kLogit: 4.02, kFeature: 3.75 },
  'clip/allgather-global/chunked': { kLogit: 4.54, kFeature: 6.96 },
  'clip/allgather-local/naive': { kLogit: 3.86, kFeature: 3.69 },
  'clip/allgather-local/chunked': { kLogit: 2.99, kFeature: 7.72 },
  'clip/ring/naive': { kLogit: 2.79, kFeature: 15.71 },
  'clip/ring/chunked': { kLogit: 2.69, kFeature: 16.77 },
  'siglip/allgather/naive': { kLogit: 3.76, kFeature: 3.74 },
  'siglip/allgather/chunked': { kLogit: 1.97, kFeature: 5.87 },
  'siglip/ring/naive': { kLogit: 3.73, kFeature: 9.19 },
  'siglip/ring/chunked': { kLogit: 3.0, kFeature: 10.5 },
  'siglip/ring-bidir/naive': { kLogit: 4.06, kFeature: 2.9 },
  'siglip/ring-bidir/chunked': { kLogit: 4.85, kFeature: 3.17 },
};

/** torch on the CPU: the profiler's count (scripts/torch-cuda-memory.py, no CUDA correction). */
export const TORCH_CPU_MEMORY_CONSTANTS: TorchMemoryTable = {
  'clip/single/naive': { kLogit: 4.0, kFeature: 1.01 },
  // torch.utils.checkpoint over chunks of c (losses/checkpoint.py), counted as above at N = 1024..4096, c =
  // 256..1024 (N ≥ 2c; worst 0.8 %). A step of one chunk (N ≤ c) keeps less: 3.38 N² (CLIP) and 4.13 N²
  // (SigLIP on CUDA) counted at N = c, where these predict 11 % and 6 % more.
  'clip/single/checkpoint': { kLogit: 3.0, kFeature: 6.02 },
  'siglip/single/checkpoint': { kLogit: 5.0, kFeature: 3.01 },
  'clip/single/chunked': { kLogit: 3.0, kFeature: 2.9 },
  'siglip/single/naive': { kLogit: 5.0, kFeature: 1.0 },
  'siglip/single/chunked': { kLogit: 2.99, kFeature: 2.89 },
  ...TORCH_DISTRIBUTED,
};

/** torch on CUDA, fp32, tf32 and bf16 alike (see the header). */
export const TORCH_CUDA_MEMORY_CONSTANTS: TorchMemoryTable = {
  ...TORCH_CPU_MEMORY_CONSTANTS,
  'siglip/single/naive': { kLogit: 4.0, kFeature: 1.0 },
  'siglip/single/checkpoint': { kLogit: 4.0, kFeature: 3.01 },
};

/** Where each table comes from, for the plan's header and run notes. */
export const TORCH_CONSTANTS_SOURCE = {
  cpu: 'torch CPU: single device counted (scripts/torch-cuda-memory.py), strategies fitted to CPU ranks',
  cuda: 'torch CUDA: single device counted (scripts/torch-cuda-memory.py, CUDA kernels), strategies as on the CPU',
} as const;
