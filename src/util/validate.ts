// Validators shared by flags, config files and specs: each throws a UsageError naming the field.
import { UsageError } from './errors.js';

/** A whole number from a flag ("256") or a JSON value (256): digits only, and exactly representable. */
function wholeNumber(v: unknown): number | null {
  if (typeof v === 'number') return Number.isSafeInteger(v) ? v : null;
  if (typeof v === 'string' && /^\d+$/.test(v.trim())) {
    const n = Number(v.trim());
    return Number.isSafeInteger(n) ? n : null;
  }
  return null;
}

export function positiveInt(field: string, v: unknown): number {
  const n = wholeNumber(v);
  if (n === null || n < 1) throw new UsageError(`${field}: expected a positive integer, got ${JSON.stringify(v)}`);
  return n;
}

export function nonNegativeInt(field: string, v: unknown): number {
  const n = wholeNumber(v);
  if (n === null || n < 0) throw new UsageError(`${field}: expected a non-negative integer, got ${JSON.stringify(v)}`);
  return n;
}

/** A positive number (fractions allowed), e.g. GiB or minutes. */
export function positiveNumber(field: string, v: unknown): number {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isFinite(n) || n <= 0)
    throw new UsageError(`${field}: expected a positive number, got ${JSON.stringify(v)}`);
  return n;
}

export function oneOf<T extends string>(field: string, v: unknown, allowed: readonly T[]): T {
  if (typeof v !== 'string' || !allowed.includes(v as T))
    throw new UsageError(`${field}: expected one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`);
  return v as T;
}
