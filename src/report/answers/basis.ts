// The scenarios an answer rests on, one compact line per series.
import { distinct, type Row } from '../series.js';
import { groupBy } from './row-filters.js';

/** "256…2048" for a run of powers of two, else the list. */
function sizes(ns: number[]): string {
  const s = distinct(ns).sort((a, b) => a - b);
  const doubling = s.length > 2 && s.every((n, i) => i === 0 || n === 2 * s[i - 1]!);
  return doubling ? `${s[0]}…${s[s.length - 1]}` : s.join(', ');
}

/** The scenarios rows stand for, one line per series: "clip chunked single, D=64, c=64: N=256…2048". */
export function basisOf(rows: readonly Row[]): string[] {
  const key = (r: Row) => {
    const b = r.strategy === 'single' ? '' : r.local_batch;
    return `${r.loss}|${r.impl}|${r.strategy}|${r.dim}|${r.chunk ?? ''}|${b}`;
  };
  return [...groupBy(rows, key).values()].map((g) => {
    const r = g[0]!;
    const c = r.chunk === null ? '' : `, c=${r.chunk}`;
    const over =
      r.strategy === 'single'
        ? `N=${sizes(g.map((x) => x.n))}`
        : `W=${sizes(g.map((x) => x.world))}, b=${r.local_batch}`;
    return `${r.loss} ${r.impl} ${r.strategy}, D=${r.dim}${c}: ${over}`;
  });
}
