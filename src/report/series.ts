// Grouping of result rows into the series that charts draw and checks fit.
import type { ScenarioResult } from '../results/row.js';

/** A row with the machine it came from (set by compare; undefined in a single-run report). */
export type Row = ScenarioResult & { run?: string };

export function isOk(r: Row): boolean {
  return r.status === 'ok';
}

export function distinct<T>(xs: readonly T[]): T[] {
  return [...new Set(xs)];
}

/** Which descriptive dimensions vary in the data, so labels carry only what tells series apart. */
export interface Varying {
  strategy: boolean;
  world: boolean;
  dim: boolean;
  chunk: boolean;
  run: boolean;
}

export function varying(rows: readonly Row[]): Varying {
  const many = (f: (r: Row) => unknown, of: readonly Row[] = rows) => distinct(of.map(f)).length > 1;
  // Only chunked rows have a tile width (naive's chunk is null): naive rows never make c vary.
  const tiled = rows.filter((r) => r.chunk !== null);
  return {
    strategy: many((r) => r.strategy),
    world: many((r) => r.world),
    dim: many((r) => r.dim),
    chunk: many((r) => r.chunk, tiled),
    run: many((r) => r.run),
  };
}

export interface Series {
  key: string;
  label: string;
  loss: string;
  impl: string;
  strategy: string;
  run: string | undefined;
  rows: Row[];
}

/** Series over N: loss × impl (× strategy, D, c, run where those vary), rows sorted by N. W is not a key:
 * a distributed sweep at fixed b moves N with W, and one line per W would be a single point. */
export function seriesOverN(rows: readonly Row[], v: Varying = varying(rows)): Series[] {
  const groups = new Map<string, Series>();
  for (const r of rows) {
    const parts: string[] = [r.loss, r.impl];
    if (v.strategy) parts.push(r.strategy);
    if (v.dim) parts.push(`D=${r.dim}`);
    if (v.chunk && r.chunk !== null) parts.push(`c=${r.chunk}`);
    const label = (v.run && r.run ? `${r.run}: ` : '') + parts.join(' ');
    const key = `${r.run ?? ''}|${parts.join('|')}`;
    let s = groups.get(key);
    if (!s)
      groups.set(key, (s = { key, label, loss: r.loss, impl: r.impl, strategy: r.strategy, run: r.run, rows: [] }));
    s.rows.push(r);
  }
  for (const s of groups.values()) s.rows.sort((a, b) => a.n - b.n || a.world - b.world);
  return [...groups.values()];
}
