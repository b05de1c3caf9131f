// Row selections and groupings the answers share.
import { STRATEGIES } from '../../distributed/registry.js';
import type { LossName } from '../../losses/types.js';
import { isOk, type Row } from '../series.js';

export const byN = (a: Row, b: Row) => a.n - b.n;

/** Ran ok and has a positive peak: a point a memory fit or ratio can use. */
export const okPeak = (r: Row) => isOk(r) && r.peak_tensor_bytes !== null && r.peak_tensor_bytes > 0;

/** A loss's strategies across W devices. */
export const distStrategies = (loss: LossName) => STRATEGIES[loss].filter((s) => s !== 'single');

export function groupBy<T>(xs: readonly T[], key: (x: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const x of xs) m.set(key(x), [...(m.get(key(x)) ?? []), x]);
  return m;
}
