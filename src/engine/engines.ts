// The engines a scenario can run on, and the settings of the torch engine. Plain constants, free of tfjs
// and of Python, so that flags, the protocol and the memory model can name them cheaply.

/** tfjs: the in-repo TypeScript losses on a tfjs backend; torch: engines/torch (lossbench_torch) on PyTorch. */
export const ENGINES = ['tfjs', 'torch'] as const;
export type EngineName = (typeof ENGINES)[number];

/** tfjs backends; `auto` takes the first that works (engine/backend.ts). */
export const BACKENDS = ['auto', 'tensorflow', 'webgpu', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

export const TORCH_DEVICES = ['cpu', 'cuda'] as const;
export type TorchDevice = (typeof TORCH_DEVICES)[number];

/** fp32 (TF32 off), tf32 (TF32 matmuls on CUDA; fp32 on CPU), bf16 (autocast around the logit matmuls only). */
export const TORCH_DTYPES = ['fp32', 'tf32', 'bf16'] as const;
export type TorchDtype = (typeof TORCH_DTYPES)[number];

/** How the collectives of a row moved: tfjs simulates W devices in one process; torch uses torch.distributed. */
export type DistBackend = 'none' | 'simulated' | 'gloo' | 'nccl';
