// Which memory constants describe a run: the engine's implementations, on which kind of device, in
// which numeric mode; and what the mode does to the bytes. tfjs's constants count its own tensor
// accounting, which is the same on every backend (wasm, WebGPU, tfjs-node): one table for all. torch's
// differ by device kind (memory-torch.ts).
import type { EngineName, TorchDevice } from '../engine/engines.js';
import { MEMORY_CONSTANTS, type MemoryConstants, type MemoryKey } from './memory.js';
import { TORCH_CONSTANTS_SOURCE, TORCH_CPU_MEMORY_CONSTANTS, TORCH_CUDA_MEMORY_CONSTANTS } from './memory-torch.js';
import type { TorchOwnKey } from './memory.js';

export const DTYPES = ['fp32', 'tf32', 'bf16'] as const;
export type Dtype = (typeof DTYPES)[number];

/** What ran (or will): the engine, torch's device kind, the numeric mode. */
export interface MemoryTarget {
  engine: EngineName;
  /** torch only; default cpu. */
  device?: TorchDevice;
  dtype?: Dtype;
}

/** The constants of a target, and the bytes per element of what they count. */
export interface MemoryProfile {
  /** Every strategy × impl; the torch tables also the checkpoint reference (TorchOwnKey). */
  constants: Record<MemoryKey, MemoryConstants> & Partial<Record<TorchOwnKey, MemoryConstants>>;
  /** s of memory.ts: bytes per counted element (torch counts float32-equivalents, a bf16 tensor as half). */
  bytesPerElement: number;
  /** Bytes per feature element sent between devices. */
  commBytesPerElement: number;
  /** One line: whose constants, and what the dtype does to the bytes. */
  note: string;
}

export function memoryProfile(t: MemoryTarget): MemoryProfile {
  const dtype = t.dtype ?? 'fp32';
  if (t.engine === 'tfjs') {
    // tfjs computes in float32; bf16 is the what-if of every tensor at 2 bytes.
    const half = dtype === 'bf16';
    return {
      constants: MEMORY_CONSTANTS,
      bytesPerElement: half ? 2 : 4,
      commBytesPerElement: half ? 2 : 4,
      note: half
        ? "tfjs's tensor accounting (any backend); bf16 is a what-if (tfjs computes in float32): logits and features at 2 bytes"
        : `tfjs's tensor accounting (any backend), float32`,
    };
  }
  const device = t.device ?? 'cpu';
  const mode =
    dtype === 'bf16'
      ? "bf16: the logit matmuls in bf16; the logits they return, the reductions (log-sum-exp, softplus), the chunked O(N) accumulators and the features are float32, so the peak is fp32's"
      : dtype === 'tf32'
        ? 'tf32: TF32 matmuls, float32 tensors (fp32 bytes)'
        : 'fp32';
  return {
    constants: device === 'cuda' ? TORCH_CUDA_MEMORY_CONSTANTS : TORCH_CPU_MEMORY_CONSTANTS,
    bytesPerElement: 4,
    commBytesPerElement: 4,
    note: `${TORCH_CONSTANTS_SOURCE[device]}; ${mode}`,
  };
}
