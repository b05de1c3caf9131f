// The memory model's constants per engine. The form is the same for both (memory.ts: s·(kLogit·L +
// kFeature·F) per device); the constants differ because they count live tensors, and PyTorch's autograd
// keeps other intermediates than tfjs's (fused kernels, saved tensors, views that share storage).
//
// PLACEHOLDER until fitted from torch CPU runs (see the fitting note below).
import type { EngineName } from '../engine/engines.js';
import { MEMORY_CONSTANTS } from './memory.js';

/** loss/strategy/impl → constants of lossbench_torch on PyTorch. */
export const TORCH_MEMORY_CONSTANTS: typeof MEMORY_CONSTANTS = { ...MEMORY_CONSTANTS };

/** The constants of an engine's implementations. */
export function memoryConstantsOf(engine: EngineName): typeof MEMORY_CONSTANTS {
  return engine === 'torch' ? TORCH_MEMORY_CONSTANTS : MEMORY_CONSTANTS;
}
