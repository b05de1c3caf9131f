// The table printed at the end of a sweep.
import { formatBytes, formatMs, formatSi } from '../util/format.js';
import type { ScenarioResult } from '../results/row.js';

export function summaryTable(rows: ScenarioResult[]): string {
  const head = ['loss', 'impl', 'strategy', 'N', 'W', 'D', 'c', 'status', 'step (p10–p90)', 'peak tensors', 'predicted', 'device mem', 'sent/device', 'comm*', 'achieved'];
  const body = rows.map((r) => [
    r.loss, r.impl, r.strategy, String(r.n), String(r.world), String(r.dim), String(r.chunk), r.status,
    r.step_ms_median === null ? '-' : `${formatMs(r.step_ms_median)} (${formatMs(r.step_ms_p10)}–${formatMs(r.step_ms_p90)})`,
    formatBytes(r.peak_tensor_bytes), formatBytes(r.predicted_peak_bytes), formatBytes(r.device_mem_bytes),
    r.world > 1 ? formatBytes(r.comm_bytes_sent) : '-',
    r.comm_ms_measured !== null ? `${formatMs(r.comm_ms_measured)} measured` : r.comm_ms_modelled === null ? '-' : formatMs(r.comm_ms_modelled),
    formatSi(r.achieved_flops_per_s, 'FLOP/s'),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i >= 3 && i !== 7 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
  const notes = rows.filter((r) => r.status !== 'ok').map((r) => `  ${r.id}: ${r.status}: ${r.reason}`);
  return [
    line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line),
    rows.some((r) => r.comm_ms_measured !== null)
      ? '* comm: "measured" is the wall time in torch.distributed collectives per step (comm_ms_measured); other values are modelled (α + bytes/β per round on the link in the CSV).'
      : '* comm is modelled (α + bytes/β per round on the link in the CSV), not measured: devices are simulated.',
    ...(notes.length ? ['not ok:', ...notes] : []),
  ].join('\n');
}
