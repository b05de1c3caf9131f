// The largest batch whose predicted per-device memory fits a device: `plan`'s max N, and the report's
// answer to "how large a batch fits".
import { MEMORY_CONSTANTS, predictPeakBytes, type MemoryConstants, type MemoryQuery } from './memory.js';

const MAX_LOCAL = 2 ** 32;

/** Largest m ≥ 1 with fits(m), for fits monotone decreasing in m; 0 if even m = 1 does not fit. */
export function largestFitting(fits: (m: number) => boolean): number {
  if (!fits(1)) return 0;
  let lo = 1;
  let hi = 2;
  while (hi < MAX_LOCAL && fits(hi)) [lo, hi] = [hi, hi * 2];
  if (hi >= MAX_LOCAL && fits(hi)) return hi;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** Largest global N (a multiple of W) whose predicted per-device peak fits `deviceBytes`; 0 if none. */
export function maxGlobalBatch(
  q: Omit<MemoryQuery, 'n' | 'localBatch'>,
  deviceBytes: number,
  constants: Record<string, MemoryConstants> = MEMORY_CONSTANTS,
): number {
  const W = q.strategy === 'single' ? 1 : q.world;
  return (
    W * largestFitting((b) => predictPeakBytes({ ...q, world: W, n: W * b, localBatch: b }, constants) <= deviceBytes)
  );
}
