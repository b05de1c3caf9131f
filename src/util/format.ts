// Human-readable numbers for tables, findings and chart ticks. Binary prefixes for bytes (what
// allocators and nvidia-smi speak), SI prefixes for FLOP/s.

/** A count of bytes. */
export type Bytes = number;
/** A duration in milliseconds. */
export type Millis = number;

function sig3(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 100 ? v.toFixed(0) : a >= 10 ? v.toFixed(1) : v.toFixed(2);
}

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

export function formatBytes(b: Bytes | null | undefined): string {
  if (b === null || b === undefined || !Number.isFinite(b)) return '—';
  let v = b;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < BYTE_UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${Math.round(v)} B` : `${sig3(v)} ${BYTE_UNITS[i]}`;
}

export function formatMs(ms: Millis | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms >= 1000) return `${sig3(ms / 1000)} s`;
  if (ms < 0.01) return `${sig3(ms * 1000)} µs`;
  return `${sig3(ms)} ms`;
}

const SI = ['', 'k', 'M', 'G', 'T', 'P', 'E'];

/** SI-scaled number with a unit suffix, e.g. 1.2e12 → "1.20 T<unit>". */
export function formatSi(v: number | null | undefined, unit: string): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  let x = v;
  let i = 0;
  while (Math.abs(x) >= 1000 && i < SI.length - 1) {
    x /= 1000;
    i++;
  }
  return `${sig3(x)} ${SI[i]}${unit}`;
}

export const formatFlopsPerS = (v: number | null | undefined): string => formatSi(v, 'FLOP/s');

export function formatRatio(r: number | null | undefined): string {
  if (r === null || r === undefined || !Number.isFinite(r)) return '—';
  return `${sig3(r)}×`;
}

/** Signed slope with two decimals. */
export function formatSlope(s: number | null | undefined): string {
  if (s === null || s === undefined || !Number.isFinite(s)) return '—';
  return s.toFixed(2);
}

/** A round value with no trailing zeros, at most 3 significant digits: 1, 1.5, 256, 0.25. */
function trim3(v: number): string {
  return String(Number(v.toPrecision(3)));
}

/** An axis tick in bytes: the round value in its unit, no padding zeros ("256 KiB", "1 MiB", "1.5 GiB"). */
export function formatBytesTick(b: Bytes): string {
  if (b === 0) return '0';
  let v = b;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < BYTE_UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  return `${trim3(v)} ${BYTE_UNITS[i]}`;
}

/** An axis tick in ms: "500 µs", "2 ms", "1 s". */
export function formatMsTick(ms: Millis): string {
  if (ms === 0) return '0';
  if (ms >= 1000) return `${trim3(ms / 1000)} s`;
  if (ms < 1) return `${trim3(ms * 1000)} µs`;
  return `${trim3(ms)} ms`;
}

/** An axis tick of a relative error (powers of ten): "1e-4", "1" (0 where exact). */
export function formatErrorTick(v: number): string {
  if (v === 0) return '0';
  const e = Math.round(Math.log10(v));
  return Math.abs(v / 10 ** e - 1) < 1e-9 && e !== 0 ? `1e${e}` : String(+v.toPrecision(3));
}

/** An axis tick with an SI prefix: "2 GFLOP/s", "500 MFLOP/s". */
export function formatSiTick(v: number, unit: string): string {
  if (v === 0) return '0';
  let x = v;
  let i = 0;
  while (Math.abs(x) >= 1000 && i < SI.length - 1) {
    x /= 1000;
    i++;
  }
  return `${trim3(x)} ${SI[i]}${unit}`;
}
