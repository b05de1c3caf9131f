// A scenario: one loss × impl × strategy at one size, validated before anything runs.
import { UsageError } from '../util/errors.js';
import { nonNegativeInt, oneOf, positiveInt } from '../util/validate.js';
import type { ScenarioSpec } from '../results/scenario.js';
import { IMPL_CHOICES, isImplId, LOSSES, type ImplId } from '../losses/types.js';
import { STRATEGIES } from '../distributed/registry.js';
import { thirdPartyNames } from '../distributed/third-party.js';
import { resolveLink, type Link } from '../model/comm.js';

export { scenarioId, type ScenarioSpec } from '../results/scenario.js';

/** Checks a whole spec (from flags, a preset or a config file); throws UsageError naming the field. */
export function validateSpec(s: ScenarioSpec): ScenarioSpec {
  const loss = oneOf('loss', s.loss, LOSSES);
  const impl = implOf('impl', s.impl);
  const strategy = oneOf(`strategy (for ${loss})`, s.strategy, [...STRATEGIES[loss], ...thirdPartyNames(loss)]);
  const world = positiveInt('world', s.world);
  const localBatch = positiveInt('local-batch', s.localBatch);
  const n = positiveInt('batch', s.n);
  if (n !== world * localBatch)
    throw new UsageError(`batch: N = ${n} is not world × local-batch = ${world} × ${localBatch}`);
  if (strategy === 'single' && world !== 1)
    throw new UsageError(`world: strategy 'single' runs on one device, got world ${world}`);
  return {
    loss,
    impl,
    strategy,
    n,
    world,
    localBatch,
    dim: positiveInt('dim', s.dim),
    // naive has no tile width (a number from an older run.json is dropped); every other impl needs one
    chunk: impl === 'naive' ? null : positiveInt('chunk', s.chunk),
    warmup: nonNegativeInt('warmup', s.warmup),
    samples: positiveInt('samples', s.samples),
    timeBudgetMs: positiveInt('time-budget-ms', s.timeBudgetMs),
    seed: nonNegativeInt('seed', s.seed),
    link: linkOf(s.link),
  };
}

/**
 * The link of a spec: a Link (name, bytesPerSecond > 0, latencyS ≥ 0), a preset's name (config files,
 * run.json of older versions), or the default nvlink4 where none is given.
 */
function linkOf(v: unknown): Link {
  if (v === undefined) return resolveLink('nvlink4');
  if (typeof v === 'string') return resolveLink(v);
  const l = v as Partial<Link>;
  if (
    typeof l === 'object' &&
    l !== null &&
    typeof l.name === 'string' &&
    typeof l.bytesPerSecond === 'number' &&
    l.bytesPerSecond > 0 &&
    Number.isFinite(l.bytesPerSecond) &&
    typeof l.latencyS === 'number' &&
    l.latencyS >= 0 &&
    Number.isFinite(l.latencyS)
  )
    return { name: l.name, bytesPerSecond: l.bytesPerSecond, latencyS: l.latencyS };
  throw new UsageError(
    `link: expected a preset name or {name, bytesPerSecond > 0, latencyS ≥ 0}, got ${JSON.stringify(v)}`,
  );
}

/** An implementation name: lossbench's own, a third-party one, or py:<module>:<factory>. */
export function implOf(field: string, v: unknown): ImplId {
  if (typeof v !== 'string' || !isImplId(v))
    throw new UsageError(`${field}: expected one of ${IMPL_CHOICES}, got ${JSON.stringify(v)}`);
  return v;
}
