// `lossbench verify`: every loss × impl on the active backend against the float64 reference.
import { checkOn, maxError, textbookInexact, TOLERANCE, type OutputErrors } from './accuracy.js';
import { lossStep } from './index.js';
import { inputsOfKind, type InputKind } from './inputs.js';
import { IMPLS, INIT, LOSSES, type ImplId, type ImplName, type LossName } from './types.js';
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
  /** Rows of engines that also verify distributed strategies (torch): strategy and W. */
  strategy?: string;
  world?: number;
  /** The input kind (InputKind; torch's names the same). */
  kind?: string;
}

const T100 = Math.log(100);
/** N = 1 has nothing off the diagonal; 33 with c = 16 and 257 with c = 64 end in a one-column tile. */
export const VERIFY_CASES: { n: number; d: number; chunk: number; tPrime?: number; kind: InputKind }[] = [
  { n: 1, d: 64, chunk: 16, kind: 'random' },
  { n: 33, d: 64, chunk: 16, kind: 'random' },
  { n: 257, d: 64, chunk: 64, kind: 'random' },
  { n: 257, d: 64, chunk: 64, tPrime: T100, kind: 'random' },
  { n: 65, d: 64, chunk: 16, tPrime: T100, kind: 'correlated' },
  { n: 65, d: 64, chunk: 16, kind: 'duplicates' },
];

export async function runVerify(seed: number, impls: readonly ImplName[] = IMPLS): Promise<VerifyRow[]> {
  const rows: VerifyRow[] = [];
  for (const loss of LOSSES)
    for (const impl of impls)
      for (const [i, c] of VERIFY_CASES.entries()) {
        const { errors, leakedTensors } = await checkOn(
          lossStep(loss, impl, c.chunk),
          loss,
          inputsOfKind(c.kind, loss, c.n, c.d, seed + i, c.tPrime),
        );
        const t = Math.exp(c.tPrime ?? INIT[loss].tPrime);
        const textbook = textbookInexact(loss, impl, 'single', c.kind === 'correlated') && maxError(errors) > TOLERANCE;
        rows.push({
          loss,
          impl,
          n: c.n,
          d: c.d,
          chunk: c.chunk,
          t,
          errors,
          leakedTensors,
          // the textbook's finding: its error shown, finite, not a failure
          pass: (textbook ? Number.isFinite(maxError(errors)) : maxError(errors) <= TOLERANCE) && leakedTensors === 0,
          ...(textbook ? { textbook: true } : {}),
          kind: c.kind,
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
  { header: 'c', cell: (r) => (r.impl === 'chunked' || r.impl === 'checkpoint' ? String(r.chunk) : '-') },
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
];
const KIND_COLUMN: Column<VerifyRow> = { header: 'input', cell: (r) => r.kind ?? '-' };

export function verifyTable(rows: VerifyRow[]): string {
  const dist = rows.some((r) => r.strategy !== undefined); // strategy and W columns
  return renderText([...COLUMNS.slice(0, 2), ...(dist ? DIST_COLUMNS : []), KIND_COLUMN, ...COLUMNS.slice(2)], rows);
}
