// Round axis ticks: powers of two on log size axes (N, bytes), 1-2-5 steps on log time/rate axes and on
// linear ones (bytes in a binary unit: 0, 50 KiB, 100 KiB…), the data's own values on a W axis. A scale
// may be thinned (every stride-th tick) when its labels would touch: render.ts finds out after layout.

export function pow2Ticks(min: number, max: number, maxCount = 10): number[] {
  const lo = Math.ceil(Math.log2(min) - 1e-9);
  const hi = Math.floor(Math.log2(max) + 1e-9);
  const step = Math.max(1, Math.ceil((hi - lo + 1) / maxCount));
  const out: number[] = [];
  for (let e = lo; e <= hi; e += step) out.push(2 ** e);
  return out;
}

export function ticks125(min: number, max: number, maxCount = 12): number[] {
  const lo = Math.floor(Math.log10(min));
  const hi = Math.ceil(Math.log10(max));
  const all: number[] = [];
  for (let e = lo; e <= hi; e++) for (const m of [1, 2, 5]) all.push(+(m * 10 ** e).toPrecision(6));
  const within = (xs: number[]) => xs.filter((v) => v >= min * (1 - 1e-9) && v <= max * (1 + 1e-9));
  const inRange = within(all);
  if (inRange.length > maxCount) return inRange.filter((v) => Math.abs(Math.log10(v) % 1) < 1e-9);
  if (inRange.length >= 3) return inRange;
  // A narrow range (less than a decade): every 1..9 × 10^k, thinned to maxCount.
  const fine: number[] = [];
  for (let e = lo; e <= hi; e++) for (let m = 1; m <= 9; m++) fine.push(+(m * 10 ** e).toPrecision(6));
  const f = within(fine);
  const step = Math.max(1, Math.ceil(f.length / maxCount));
  return f.filter((_, i) => i % step === 0);
}

/** Powers of ten from min to max, every k-th so that at most maxCount remain (ratios spanning decades). */
export function decadeTicks(min: number, max: number, maxCount = 8): number[] {
  const lo = Math.ceil(Math.log10(min) - 1e-9);
  const hi = Math.floor(Math.log10(max) + 1e-9);
  const step = Math.max(1, Math.ceil((hi - lo + 1) / maxCount));
  const out: number[] = [];
  for (let e = lo; e <= hi; e += step) out.push(+(10 ** e).toPrecision(6));
  return out;
}

/**
 * Linear ticks from 0 (or the first step above min) to max in 1-2-5 steps of `unit` (1024^k for bytes,
 * so that the labels read 50 KiB, 100 KiB, not 97.7 KiB), at most maxCount of them.
 */
export function linear125(min: number, max: number, maxCount = 6, binary = false): number[] {
  if (!(max > min)) return [];
  let unit = 1;
  if (binary) while (max / (unit * 1024) >= 1) unit *= 1024;
  const span = (max - Math.max(0, min)) / unit;
  let step = 0;
  for (let e = Math.floor(Math.log10(span / maxCount)) - 1; !step; e++)
    for (const m of [1, 2, 5])
      if (!step && span / (m * 10 ** e) <= maxCount) step = +(m * 10 ** e).toPrecision(6) * unit;
  const out: number[] = [];
  for (let v = Math.ceil(min / step - 1e-9) * step; v <= max * (1 + 1e-9); v += step) out.push(+v.toPrecision(12));
  return out;
}

/** Every stride-th tick, starting from the first. */
export function thin<T>(ticks: readonly T[], stride: number): T[] {
  return stride <= 1 ? [...ticks] : ticks.filter((_, i) => i % stride === 0);
}
