// Naive implementations have no tile width. A naive scenario still carries the sweep's `chunk` (its id
// and its results.jsonl line keep the number, so ids and resumes stay stable), but every view of the
// rows (CSV, tables, legends, sentences) shows none: "clip naive c=4096" would claim a tiling that
// never happened.
import type { ScenarioResult } from './row.js';

type Tiled = { impl: string; chunk: number };

/** The tile width c of a chunked row; null for naive rows. */
export function tileWidth(r: Tiled): number | null {
  return r.impl === 'naive' ? null : r.chunk;
}

/** The tile width as a table cell: the number, or `none` for naive rows. */
export function tileWidthCell(r: Tiled, none = '—'): string {
  const c = tileWidth(r);
  return c === null ? none : String(c);
}

/** A scenario id as shown to people: a naive id loses its "/c<chunk>" segment. */
export function displayId(id: string): string {
  return /^[^/]+\/naive\//.test(id) ? id.replace(/\/c\d+$/, '') : id;
}

/** The row as results.csv and compare's combined.csv write it: `chunk` empty for naive rows. */
export function csvView<T extends ScenarioResult>(r: T): Omit<T, 'chunk'> & { chunk: number | null } {
  return { ...r, chunk: tileWidth(r) };
}
