// The table printed at the end of a sweep.
import { formatBytes, formatMs, formatSi } from '../util/format.js';
import { renderText, type Column } from '../util/table.js';
import type { ScenarioResult } from '../results/row.js';

const COLUMNS: Column<ScenarioResult>[] = [
  { header: 'loss', cell: (r) => r.loss },
  { header: 'impl', cell: (r) => r.impl },
  { header: 'strategy', cell: (r) => r.strategy },
  { header: 'N', align: 'right', cell: (r) => String(r.n) },
  { header: 'W', align: 'right', cell: (r) => String(r.world) },
  { header: 'D', align: 'right', cell: (r) => String(r.dim) },
  { header: 'c', align: 'right', cell: (r) => String(r.chunk ?? '-') },
  { header: 'status', cell: (r) => r.status },
  {
    header: 'step (p10–p90)',
    align: 'right',
    cell: (r) =>
      r.step_ms_median === null
        ? '-'
        : `${formatMs(r.step_ms_median)} (${formatMs(r.step_ms_p10)}–${formatMs(r.step_ms_p90)})`,
  },
  {
    header: 'compute/dev',
    align: 'right',
    cell: (r) => (r.device_compute_ms === null ? '-' : formatMs(r.device_compute_ms)),
  },
  { header: 'peak tensors', align: 'right', cell: (r) => formatBytes(r.peak_tensor_bytes) },
  { header: 'predicted', align: 'right', cell: (r) => formatBytes(r.predicted_peak_bytes) },
  { header: 'device mem', align: 'right', cell: (r) => formatBytes(r.device_mem_bytes) },
  { header: 'sent/device', align: 'right', cell: (r) => (r.world > 1 ? formatBytes(r.comm_bytes_sent) : '-') },
  {
    header: 'comm*',
    align: 'right',
    cell: (r) =>
      r.comm_ms_measured !== null
        ? `${formatMs(r.comm_ms_measured)} measured${r.comm_exposed_ms !== null ? `, ${formatMs(r.comm_exposed_ms)} exposed` : ''}`
        : r.comm_ms_modelled === null
          ? '-'
          : formatMs(r.comm_ms_modelled),
  },
  { header: 'achieved', align: 'right', cell: (r) => formatSi(r.achieved_flops_per_s, 'FLOP/s') },
];

export function summaryTable(rows: ScenarioResult[]): string {
  const notes = rows.filter((r) => r.status !== 'ok').map((r) => `  ${r.id}: ${r.status}: ${r.reason}`);
  return [
    renderText(
      COLUMNS.filter((c) => c.header !== 'compute/dev' || rows.some((r) => r.device_compute_ms !== null)),
      rows,
    ),
    rows.some((r) => r.comm_ms_measured !== null)
      ? '* comm: "measured" is the wall time in torch.distributed collectives per step (comm_ms_measured), "exposed" the part of it the step waited for (comm_exposed_ms: less than measured where a ring posts its next round before computing); other values are modelled (α + bytes/β per round on the link in the CSV).'
      : '* comm is modelled (α + bytes/β per round on the link in the CSV), not measured: devices are simulated.',
    ...(rows.some((r) => r.world > 1 && r.dist_backend === 'simulated')
      ? [
          '  simulated devices: "step" runs all W devices one after another in one process; "compute/dev" is the busiest device\'s own compute time (measured).',
        ]
      : []),
    ...(notes.length ? ['not ok:', ...notes] : []),
  ].join('\n');
}
