// A scenario as it is written into run.json, sent to a worker and keyed in results.jsonl.
import type { ScenarioShape } from '../model/shape.js';
import type { Link } from '../model/comm.js';

export interface ScenarioSpec extends ScenarioShape {
  warmup: number;
  samples: number;
  /** Time budget of the timed samples, milliseconds (at least `samples` are taken anyway). */
  timeBudgetMs: number;
  seed: number;
  /** The link of the modelled communication time of distributed strategies (a preset or custom α, β). */
  link: Link;
}

/** The id's format, {field} for a field of the spec (contract/strategies.json carries it to the torch engine). */
export const SCENARIO_ID_FORMAT = '{loss}/{impl}/{strategy}/N{n}/W{world}/D{dim}/c{chunk}';

type IdFields = Pick<ScenarioSpec, 'loss' | 'impl' | 'strategy' | 'n' | 'world' | 'dim' | 'chunk'>;

/**
 * Stable key of a scenario; resume skips ids already present in results.jsonl. A segment whose field is
 * null is left out (naive has no tile width: clip/naive/single/N256/W1/D64).
 */
export function scenarioId(s: IdFields): string {
  const field = (k: string) => s[k as keyof IdFields];
  return SCENARIO_ID_FORMAT.split('/')
    .filter((seg) => [...seg.matchAll(/\{(\w+)\}/g)].every((m) => field(m[1]!) !== null))
    .join('/')
    .replace(/\{(\w+)\}/g, (_, k: string) => String(field(k)));
}
