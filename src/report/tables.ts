// Table rows shared by report.md/html and the terminal summary.
import type { RegressionCheck, ScalingCheck } from './checks.js';
import { formatBytes, formatFlopsPerS, formatMs, formatRatio, formatSlope } from '../util/format.js';
import type { Row } from './series.js';
import { displayId, tileWidthCell } from '../results/tile-width.js';

export const MODELLED_NOTE = 'comm time is MODELLED (α + bytes/β per round on the named link preset), not measured: devices are simulated';

export function stepTime(r: Row): string {
  if (r.step_ms_median === null) return '—';
  const spread = r.step_ms_p10 !== null && r.step_ms_p90 !== null ? ` [${formatMs(r.step_ms_p10)}–${formatMs(r.step_ms_p90)}]` : '';
  return formatMs(r.step_ms_median) + spread;
}

export const RESULT_HEAD = [
  'scenario', 'N', 'W', 'b', 'D', 'c', 'status', 'step time median [p10–p90]', 'peak tensor memory', 'predicted peak',
  'device memory', 'comm bytes sent / device', 'comm time (modelled)', 'FLOP/s',
];
export const RESULT_NUMERIC = [false, true, true, true, true, true, false, true, true, true, true, true, true, true];

export function resultRow(r: Row): string[] {
  const status = r.status === 'ok' ? 'ok' : `${r.status}${r.reason ? `: ${r.reason}` : ''}`;
  return [
    `${r.loss} ${r.impl} ${r.strategy}`, String(r.n), String(r.world), String(r.local_batch), String(r.dim), tileWidthCell(r), status,
    stepTime(r), formatBytes(r.peak_tensor_bytes), formatBytes(r.predicted_peak_bytes), formatBytes(r.device_mem_bytes),
    r.world > 1 ? formatBytes(r.comm_bytes_sent) : '—',
    r.world > 1 && r.comm_ms_modelled !== null ? `${formatMs(r.comm_ms_modelled)} (modelled${r.comm_link ? `, ${r.comm_link}` : ''})` : '—',
    formatFlopsPerS(r.achieved_flops_per_s),
  ];
}

export const CHECK_HEAD = ['series', 'over', 'points', 'slope', 'expected', 'verdict', 'note'];

export function checkRow(c: ScalingCheck): string[] {
  return [c.series, c.over, String(c.points.length), formatSlope(c.slope), `${c.expected} ± ${c.tolerance}`, c.verdict, c.note];
}

export const REGRESSION_HEAD = ['scenario', 'metric', 'baseline', 'current', 'ratio', 'limit', 'verdict', 'note'];

export function regressionRow(r: RegressionCheck): string[] {
  if (r.metric === 'status') return [displayId(r.id), r.metric, String(r.baseline), String(r.current), '—', 'ok', r.verdict, r.note];
  const f = r.metric === 'step_ms_median' ? formatMs : formatBytes;
  const num = (v: number | string) => (typeof v === 'number' ? f(v) : v);
  return [displayId(r.id), r.metric, num(r.baseline), num(r.current), formatRatio(r.ratio), `≤ ${formatRatio(r.tolerance)}`, r.verdict, r.note];
}

/** Fixed-width plain-text table for the terminal. */
export function textTable(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
