// FLOPs one step really performs, all devices together: matmul FLOPs only (2·m·n·k each); the
// elementwise work is O(N²) without the factor D and is left out.
import { isTorchOwnImpl, type LossName } from '../losses/types.js';
import { stepSize, strategyOf } from '../distributed/registry.js';
import type { ModelledImpl } from './memory.js';

/**
 * torch's checkpoint reference (one device): the forward's logits, their recomputation in the backward and
 * the backward's two products, 8N²D for SigLIP; CLIP computes each logit once per direction, 16N²D.
 */
export function checkpointFlops(loss: LossName, n: number, dim: number): number {
  return (loss === 'clip' ? 16 : 8) * n * n * dim;
}

/** Each strategy's count is in its registry entry (src/distributed/registry.ts). */
export function flopsOf(
  loss: LossName,
  impl: ModelledImpl,
  strategy: string,
  world: number,
  localBatch: number,
  dim: number,
  _chunk: number,
): number {
  if (isTorchOwnImpl(impl)) return checkpointFlops(loss, world * localBatch, dim);
  return strategyOf(loss, strategy).flops(impl, stepSize(world, localBatch, dim));
}
