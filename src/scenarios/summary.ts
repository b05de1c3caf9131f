// The table printed at the end of a sweep.
import type { ScenarioResult } from './result.js';

export const mib = (b: number | null) => (b === null ? '-' : (b / 2 ** 20).toFixed(b < 10 * 2 ** 20 ? 2 : 1));
const ms = (v: number | null) => (v === null ? '-' : v < 10 ? v.toFixed(2) : v.toFixed(0));

export function summaryTable(rows: ScenarioResult[]): string {
  const head = ['loss', 'impl', 'strategy', 'N', 'W', 'D', 'c', 'status', 'step ms (p10–p90)', 'peak MiB', 'pred MiB', 'dev MiB', 'sent MiB', 'comm ms*', 'GFLOP/s'];
  const body = rows.map((r) => [
    r.loss, r.impl, r.strategy, String(r.n), String(r.world), String(r.dim), String(r.chunk), r.status,
    r.step_ms_median === null ? '-' : `${ms(r.step_ms_median)} (${ms(r.step_ms_p10)}–${ms(r.step_ms_p90)})`,
    mib(r.peak_tensor_bytes), mib(r.predicted_peak_bytes), mib(r.device_mem_bytes), mib(r.comm_bytes_sent),
    r.comm_ms_modelled === null ? '-' : r.comm_ms_modelled.toFixed(3),
    r.achieved_flops_per_s === null ? '-' : (r.achieved_flops_per_s / 1e9).toFixed(1),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i >= 3 && i !== 7 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
  const notes = rows.filter((r) => r.status !== 'ok').map((r) => `  ${r.id}: ${r.status}: ${r.reason}`);
  return [
    line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line),
    '* comm ms is modelled (α + bytes/β per round on the link in the CSV), not measured; devices are simulated.',
    ...(notes.length ? ['not ok:', ...notes] : []),
  ].join('\n');
}
