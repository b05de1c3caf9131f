// FLOPs one step really performs, all devices together: matmul FLOPs only (2·m·n·k each); the
// elementwise work is O(N²) without the factor D and is left out.
import type { ImplName, LossName } from '../losses/types.js';
import { stepSize, strategyOf } from '../distributed/registry.js';

/** Each strategy's count is in its registry entry (src/distributed/registry.ts). */
export function flopsOf(
  loss: LossName,
  impl: ImplName,
  strategy: string,
  world: number,
  localBatch: number,
  dim: number,
  _chunk: number,
): number {
  return strategyOf(loss, strategy).flops(impl, stepSize(world, localBatch, dim));
}
