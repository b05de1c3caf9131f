// `lossbench verify`: every loss × impl on the active backend against the float64 reference.
import { checkStep, maxError, TOLERANCE, type OutputErrors } from './accuracy.js';
import { lossStep } from './index.js';
import { IMPLS, LOSSES, type ImplName, type LossName } from './types.js';

export interface VerifyRow {
  loss: LossName;
  impl: ImplName;
  n: number;
  d: number;
  chunk: number;
  t: number;
  errors: OutputErrors;
  /** null where the engine has no tensor count (torch). */
  leakedTensors: number | null;
  pass: boolean;
  /** Rows of engines that also verify distributed strategies (torch): strategy, W and the input kind. */
  strategy?: string;
  world?: number;
  kind?: string;
}

export const VERIFY_CASES: { n: number; d: number; chunk: number; tPrime?: number }[] = [
  { n: 1, d: 64, chunk: 16 },
  { n: 33, d: 64, chunk: 16 },
  { n: 257, d: 64, chunk: 64 },
  { n: 257, d: 64, chunk: 64, tPrime: Math.log(100) },
];

export async function runVerify(seed: number): Promise<VerifyRow[]> {
  const rows: VerifyRow[] = [];
  for (const loss of LOSSES)
    for (const impl of IMPLS)
      for (const [i, c] of VERIFY_CASES.entries()) {
        const { errors, leakedTensors } = await checkStep(lossStep(loss, impl, c.chunk), { loss, n: c.n, d: c.d, seed: seed + i, tPrime: c.tPrime });
        const t = Math.exp(c.tPrime ?? (loss === 'clip' ? Math.log(1 / 0.07) : Math.log(10)));
        rows.push({ loss, impl, n: c.n, d: c.d, chunk: c.chunk, t, errors, leakedTensors, pass: maxError(errors) <= TOLERANCE && leakedTensors === 0 });
      }
  return rows;
}

const fmt = (e: number | undefined) => (e === undefined ? '-' : Number.isFinite(e) ? e.toExponential(1) : String(e));

export function verifyTable(rows: VerifyRow[]): string {
  const dist = rows.some((r) => r.strategy !== undefined); // strategy, W and input kind columns
  const head = ['loss', 'impl', ...(dist ? ['strategy', 'W', 'input'] : []), 'N', 'D', 'c', 't', 'loss', 'dx', 'dy', "dt'", 'dβ', 'leak', 'result'];
  const body = rows.map((r) => [
    r.loss, r.impl, ...(dist ? [r.strategy ?? 'single', String(r.world ?? 1), r.kind ?? '-'] : []),
    String(r.n), String(r.d), r.impl === 'chunked' ? String(r.chunk) : '-', r.t.toFixed(1),
    fmt(r.errors.loss), fmt(r.errors.dx), fmt(r.errors.dy), fmt(r.errors.dtPrime), fmt(r.errors.dBias),
    r.leakedTensors === null ? '-' : String(r.leakedTensors), r.pass ? 'PASS' : 'FAIL',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}
