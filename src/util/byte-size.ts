// A memory size from a flag: "80" (GiB, as bench --memory-limit takes it), or with a unit: decimal
// "80GB" (80·10⁹ bytes, as vendors label cards) or binary "80GiB" (80·2³⁰). Hand-written because the
// common parsers (npm `bytes`) read GB as 2³⁰, which is the mistake this flag must not make.
import { UsageError } from './errors.js';

const UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
};

/** Bytes from "80", "80GB", "80 GiB", "1.5TiB" (units case-insensitive); a bare number is GiB. */
export function parseByteSize(field: string, v: string): number {
  const m = /^\s*(\d+(?:\.\d*)?|\.\d+)\s*([a-z]*)\s*$/i.exec(v);
  const unit = m?.[2] ? UNITS[m[2].toLowerCase()] : 2 ** 30;
  const bytes = m && unit !== undefined ? Number(m[1]) * unit : NaN;
  if (!Number.isFinite(bytes) || bytes <= 0)
    throw new UsageError(
      `${field}: expected a positive size such as 80 (GiB), 80GB or 80GiB, got ${JSON.stringify(v)}`,
    );
  return Math.floor(bytes);
}
