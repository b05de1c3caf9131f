// FLOPs one step really performs, all devices together: matmul FLOPs only (2·m·n·k each); the
// elementwise work is O(N²) without the factor D and is left out.
import type { ImplName, LossName } from '../losses/types.js';

/** Single device over N: naive = logits + two backward matmuls (6N²D); chunked recomputes the logits (8N²D). */
export function singleFlops(impl: ImplName, n: number, dim: number): number {
  return (impl === 'naive' ? 6 : 8) * n * n * dim;
}

export function flopsOf(loss: LossName, impl: ImplName, strategy: string, world: number, localBatch: number, dim: number, _chunk: number): number {
  const n = world * localBatch;
  const n2d = n * n * dim;
  switch (`${loss}/${strategy}`) {
    case 'clip/single':
    case 'siglip/single':
      return singleFlops(impl, n, dim);
    case 'clip/allgather-global': // every device does the whole N×N step
      return world * singleFlops(impl, n, dim);
    case 'clip/allgather-local': // two b×N directions per device: 6 each (autodiff) or 8 (lse pass + recomputing grad pass)
      return (impl === 'naive' ? 12 : 16) * n2d;
    case 'clip/ring': // two directions, each a lse lap (2) and a recomputing gradient lap (6), tiled or not
      return 16 * n2d;
    case 'siglip/allgather':
    case 'siglip/ring':
    case 'siglip/ring-bidir': // no normaliser: forward and gradient of each block in one pass (2 + 2 + 2)
      return 6 * n2d;
    default:
      throw new RangeError(`unknown strategy ${loss}/${strategy}`);
  }
}
