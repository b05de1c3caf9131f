// Where each fused kernel puts what in its one output buffer (tfjs programs have a single output, so
// several per-row arrays travel packed). Shared by the WGSL generators and the wrapper that slices them.
import { blocksOf, type Tiling } from './tiling.js';

/** clipRowSweep: five per-row arrays of N, then three per-(block, column) partial arrays of ⌈N/R⌉·N. */
export const CLIP_ROW_FIELDS = ['rowMax', 'rowInvSum', 'offRow', 'diag', 'rowTerm'] as const;
export const CLIP_PARTIALS = ['colMaxPart', 'colSumPart', 'colOffPart'] as const;
/** clipColumnCombine: four per-column arrays of N. */
export const CLIP_COL_FIELDS = ['colMax', 'colInvSum', 'offCol', 'term'] as const;

/** Offset (floats) of a per-row or per-column field. */
export function fieldOffset<F extends string>(fields: readonly F[], field: F, n: number): number {
  return fields.indexOf(field) * n;
}

/** Offset of partial array `which` (an index into CLIP_PARTIALS) in clipRowSweep's output. */
export function partialOffset(which: number, n: number, t: Pick<Tiling, 'block'>): number {
  return CLIP_ROW_FIELDS.length * n + which * blocksOf(n, t) * n;
}

export function clipRowSweepFloats(n: number, t: Pick<Tiling, 'block'>): number {
  return partialOffset(CLIP_PARTIALS.length, n, t);
}

/** Gradient sweeps: dx or dy (N·D, row-major), then (dx sweep) dt' partials and, for SigLIP, dβ partials. */
export function gradSweepFloats(n: number, d: number, t: Pick<Tiling, 'block'>, partials: 0 | 1 | 2): number {
  return n * d + partials * blocksOf(n, t);
}
