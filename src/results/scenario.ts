// A scenario as it is written into run.json, sent to a worker and keyed in results.jsonl.
import type { ScenarioShape } from '../model/shape.js';

export interface ScenarioSpec extends ScenarioShape {
  warmup: number;
  samples: number;
  /** Time budget of the timed samples, milliseconds (at least `samples` are taken anyway). */
  timeBudgetMs: number;
  seed: number;
  /** Link preset for the modelled communication time of distributed strategies. */
  link: string;
}

/** Stable key of a scenario; resume skips ids already present in results.jsonl. */
export function scenarioId(s: Pick<ScenarioSpec, 'loss' | 'impl' | 'strategy' | 'n' | 'world' | 'dim' | 'chunk'>): string {
  return `${s.loss}/${s.impl}/${s.strategy}/N${s.n}/W${s.world}/D${s.dim}/c${s.chunk}`;
}
