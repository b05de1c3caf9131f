// `lossbench verify`: every loss × impl on the active backend against the float64 reference.
import { checkStep, maxError, TOLERANCE, type OutputErrors } from './accuracy.js';
import { lossStep } from './index.js';
import { IMPLS, LOSSES, type ImplId, type ImplName, type LossName } from './types.js';
import { renderText, type Column } from '../util/table.js';

export interface VerifyRow {
  loss: LossName;
  impl: ImplId;
  n: number;
  d: number;
  chunk: number;
  t: number;
  errors: OutputErrors;
  /** null where the engine has no tensor count (torch). */
  leakedTensors: number | null;
  pass: boolean;
  /** The textbook naive on a dominant diagonal (textbookInexact): its error is reported, not a failure. */
  textbook?: boolean;
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

export async function runVerify(seed: number, impls: readonly ImplName[] = IMPLS): Promise<VerifyRow[]> {
  const rows: VerifyRow[] = [];
  for (const loss of LOSSES)
    for (const impl of impls)
      for (const [i, c] of VERIFY_CASES.entries()) {
        const { errors, leakedTensors } = await checkStep(lossStep(loss, impl, c.chunk), {
          loss,
          n: c.n,
          d: c.d,
          seed: seed + i,
          tPrime: c.tPrime,
        });
        const t = Math.exp(c.tPrime ?? (loss === 'clip' ? Math.log(1 / 0.07) : Math.log(10)));
        rows.push({
          loss,
          impl,
          n: c.n,
          d: c.d,
          chunk: c.chunk,
          t,
          errors,
          leakedTensors,
          pass: maxError(errors) <= TOLERANCE && leakedTensors === 0,
        });
      }
  return rows;
}

const fmt = (e: number | undefined) => (e === undefined ? '-' : Number.isFinite(e) ? e.toExponential(1) : String(e));

const COLUMNS: Column<VerifyRow>[] = [
  { header: 'loss', cell: (r) => r.loss },
  { header: 'impl', cell: (r) => r.impl },
  { header: 'N', cell: (r) => String(r.n) },
  { header: 'D', cell: (r) => String(r.d) },
  { header: 'c', cell: (r) => (r.impl === 'chunked' ? String(r.chunk) : '-') },
  { header: 't', cell: (r) => r.t.toFixed(1) },
  { header: 'loss', cell: (r) => fmt(r.errors.loss) },
  { header: 'dx', cell: (r) => fmt(r.errors.dx) },
  { header: 'dy', cell: (r) => fmt(r.errors.dy) },
  { header: "dt'", cell: (r) => fmt(r.errors.dtPrime) },
  { header: 'dβ', cell: (r) => fmt(r.errors.dBias) },
  { header: 'leak', cell: (r) => (r.leakedTensors === null ? '-' : String(r.leakedTensors)) },
  { header: 'result', cell: (r) => (!r.pass ? 'FAIL' : r.textbook ? 'textbook' : 'PASS') },
];

const DIST_COLUMNS: Column<VerifyRow>[] = [
  { header: 'strategy', cell: (r) => r.strategy ?? 'single' },
  { header: 'W', cell: (r) => String(r.world ?? 1) },
  { header: 'input', cell: (r) => r.kind ?? '-' },
];

export function verifyTable(rows: VerifyRow[]): string {
  const dist = rows.some((r) => r.strategy !== undefined); // strategy, W and input kind columns
  const columns = dist ? [...COLUMNS.slice(0, 2), ...DIST_COLUMNS, ...COLUMNS.slice(2)] : COLUMNS;
  return renderText(columns, rows);
}
