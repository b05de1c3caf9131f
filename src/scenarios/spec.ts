// A scenario: one loss × impl × strategy at one size, validated before anything runs.
import { UsageError } from '../errors.js';
import { IMPLS, LOSSES, type ImplName, type LossName } from '../losses/types.js';

export const BACKENDS = ['auto', 'tensorflow', 'webgpu', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

/** Strategies per loss; 'single' is one device holding all N pairs. */
export const STRATEGIES: Record<LossName, readonly string[]> = {
  clip: ['single', 'allgather-global', 'allgather-local', 'ring'],
  siglip: ['single', 'allgather', 'ring', 'ring-bidir'],
};

export interface ScenarioSpec {
  loss: LossName;
  impl: ImplName;
  strategy: string;
  /** Global batch N = world × localBatch. */
  n: number;
  world: number;
  localBatch: number;
  dim: number;
  chunk: number;
  warmup: number;
  samples: number;
  /** Time budget of the timed samples, milliseconds (at least `samples` are taken anyway). */
  timeBudgetMs: number;
  seed: number;
  /** Link preset for the modelled communication time of distributed strategies. */
  link: string;
}

export function scenarioId(s: Pick<ScenarioSpec, 'loss' | 'impl' | 'strategy' | 'n' | 'world' | 'dim' | 'chunk'>): string {
  return `${s.loss}/${s.impl}/${s.strategy}/N${s.n}/W${s.world}/D${s.dim}/c${s.chunk}`;
}

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
  if (typeof n !== 'number' || !Number.isFinite(n) || n <= 0) throw new UsageError(`${field}: expected a positive number, got ${JSON.stringify(v)}`);
  return n;
}

export function oneOf<T extends string>(field: string, v: unknown, allowed: readonly T[]): T {
  if (typeof v !== 'string' || !allowed.includes(v as T))
    throw new UsageError(`${field}: expected one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`);
  return v as T;
}

/** Checks a whole spec (from flags, a preset or a config file); throws UsageError naming the field. */
export function validateSpec(s: ScenarioSpec): ScenarioSpec {
  const loss = oneOf('loss', s.loss, LOSSES);
  const impl = oneOf('impl', s.impl, IMPLS);
  const strategy = oneOf(`strategy (for ${loss})`, s.strategy, STRATEGIES[loss]);
  const world = positiveInt('world', s.world);
  const localBatch = positiveInt('local-batch', s.localBatch);
  const n = positiveInt('batch', s.n);
  if (n !== world * localBatch) throw new UsageError(`batch: N = ${n} is not world × local-batch = ${world} × ${localBatch}`);
  if (strategy === 'single' && world !== 1) throw new UsageError(`world: strategy 'single' runs on one device, got world ${world}`);
  return {
    loss, impl, strategy, n, world, localBatch,
    dim: positiveInt('dim', s.dim),
    chunk: positiveInt('chunk', s.chunk),
    warmup: nonNegativeInt('warmup', s.warmup),
    samples: positiveInt('samples', s.samples),
    timeBudgetMs: positiveInt('time-budget-ms', s.timeBudgetMs),
    seed: nonNegativeInt('seed', s.seed),
    link: typeof s.link === 'string' ? s.link : 'nvlink4',
  };
}
