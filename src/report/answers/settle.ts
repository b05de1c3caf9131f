// The bench command an unsettled answer suggests: the run's own shape, sizes that give a fit its points.
import type { Row } from '../series.js';

/** Powers of two from `from` (rounded up), four of them: sizes that give a slope its points. */
export function batchRange(from: number): string {
  const lo = 2 ** Math.ceil(Math.log2(Math.max(from, 256)));
  return `${lo}..${lo * 8}`;
}

/** D and c to suggest in a settling command: the run's own where it has them. */
export function shape(rows: readonly Row[]): { dim: number; chunk: number } {
  const chunked = rows.find((r) => r.impl === 'chunked');
  return { dim: rows[0]?.dim ?? 64, chunk: chunked?.chunk ?? 64 };
}

/** `lossbench bench` with the given flags, in order: a command that would settle an answer. */
export function benchCommand(flags: [string, string][]): string {
  return ['lossbench bench', ...flags.map(([k, v]) => `--${k} ${v}`)].join(' ');
}
