// The report's tables: their columns and rows, shown in report.md/html and (checks) in the terminal.
import type { RegressionCheck, ScalingCheck } from './checks.js';
import { formatBytes, formatFlopsPerS, formatMs, formatRatio, formatSlope } from '../util/format.js';
import { renderText, stringColumns, type Column } from '../util/table.js';
import type { Row } from './series.js';

export const MODELLED_NOTE =
  'comm time is MODELLED (α + bytes/β per round on the named link preset), not measured: devices are simulated';

/** What the time columns of simulated rows hold. */
export const SIMULATED_TIME_NOTE =
  'On simulated devices (tfjs, W > 1) the step time is the whole simulated step, all W devices one after another in one process, not one device’s; "compute / device" is the busiest device’s own compute time, measured, and the comm time beside it is modelled';

/** Simulated devices (tfjs, W > 1): the step ran all W devices one after another in one process. */
export const simulated = (r: Row): boolean => r.world > 1 && r.dist_backend === 'simulated';

export function stepTime(r: Row): string {
  if (r.step_ms_median === null) return '—';
  const spread =
    r.step_ms_p10 !== null && r.step_ms_p90 !== null ? ` [${formatMs(r.step_ms_p10)}–${formatMs(r.step_ms_p90)}]` : '';
  return formatMs(r.step_ms_median) + spread + (simulated(r) ? ' (all W in turn)' : '');
}

/** Communication time: modelled for simulated devices, measured (and its exposed part) on real ranks. */
function commTime(r: Row): string {
  if (r.world <= 1) return '—';
  if (r.comm_ms_measured !== null) {
    const exposed = r.comm_exposed_ms;
    return `${formatMs(r.comm_ms_measured)} (measured${typeof exposed === 'number' ? `; ${formatMs(exposed)} exposed` : ''})`;
  }
  return r.comm_ms_modelled !== null
    ? `${formatMs(r.comm_ms_modelled)} (modelled${r.comm_link ? `, ${r.comm_link}` : ''})`
    : '—';
}

const RESULT_COLUMNS: Column<Row>[] = [
  { header: 'scenario', cell: (r) => `${r.loss} ${r.impl} ${r.strategy}` },
  { header: 'N', align: 'right', cell: (r) => String(r.n) },
  { header: 'W', align: 'right', cell: (r) => String(r.world) },
  { header: 'b', align: 'right', cell: (r) => String(r.local_batch) },
  { header: 'D', align: 'right', cell: (r) => String(r.dim) },
  { header: 'c', align: 'right', cell: (r) => String(r.chunk ?? '—') },
  { header: 'status', cell: (r) => (r.status === 'ok' ? 'ok' : `${r.status}${r.reason ? `: ${r.reason}` : ''}`) },
  { header: 'step time median [p10–p90]', align: 'right', cell: stepTime },
  {
    header: 'compute / device',
    align: 'right',
    cell: (r) => (simulated(r) && r.device_compute_ms !== null ? formatMs(r.device_compute_ms) : '—'),
  },
  { header: 'peak tensor memory', align: 'right', cell: (r) => formatBytes(r.peak_tensor_bytes) },
  { header: 'predicted peak', align: 'right', cell: (r) => formatBytes(r.predicted_peak_bytes) },
  { header: 'device memory', align: 'right', cell: (r) => formatBytes(r.device_mem_bytes) },
  {
    header: 'comm bytes sent / device',
    align: 'right',
    cell: (r) => (r.world > 1 ? formatBytes(r.comm_bytes_sent) : '—'),
  },
  { header: 'comm time', align: 'right', cell: commTime },
  { header: 'FLOP/s', align: 'right', cell: (r) => formatFlopsPerS(r.achieved_flops_per_s) },
];

// The report's document model (doc.ts) takes a table as head, string rows and numeric flags.
export const RESULT_HEAD = RESULT_COLUMNS.map((c) => c.header);
export const RESULT_NUMERIC = RESULT_COLUMNS.map((c) => c.align === 'right');
export const resultRow = (r: Row): string[] => RESULT_COLUMNS.map((c) => c.cell(r));

export const CHECK_HEAD = ['series', 'over', 'points', 'slope', 'expected', 'verdict', 'note'];

export function checkRow(c: ScalingCheck): string[] {
  return [
    c.series,
    c.over,
    String(c.points.length),
    formatSlope(c.slope),
    `${c.expected} ± ${c.tolerance}`,
    c.verdict,
    c.note,
  ];
}

export const REGRESSION_HEAD = ['scenario', 'metric', 'baseline', 'current', 'ratio', 'limit', 'verdict', 'note'];

export function regressionRow(r: RegressionCheck): string[] {
  if (r.metric === 'status')
    return [r.id, r.metric, String(r.baseline), String(r.current), '—', 'ok', r.verdict, r.note];
  const f = r.metric === 'step_ms_median' ? formatMs : formatBytes;
  const num = (v: number | string) => (typeof v === 'number' ? f(v) : v);
  return [
    r.id,
    r.metric,
    num(r.baseline),
    num(r.current),
    formatRatio(r.ratio),
    `≤ ${formatRatio(r.tolerance)}`,
    r.verdict,
    r.note,
  ];
}

/** Fixed-width plain-text table for the terminal. */
export function textTable(head: string[], rows: string[][]): string {
  return renderText(stringColumns(head), rows);
}
