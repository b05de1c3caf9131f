// A result row for report tests: every field not measured, unless the test says otherwise.
import type { ScenarioResult } from '../../src/results/row.js';
import { scenarioId } from '../../src/results/scenario.js';

export type RowFields = Partial<ScenarioResult> & Pick<ScenarioResult, 'loss' | 'impl' | 'n'>;

export function resultRow(p: RowFields): ScenarioResult {
  const r: ScenarioResult = {
    id: '',
    strategy: 'single',
    world: 1,
    local_batch: p.n,
    dim: 64,
    chunk: p.impl === 'naive' ? null : 64,
    backend: 'wasm',
    device_name: 'test',
    status: 'ok',
    reason: '',
    loss_value: 1,
    step_ms_median: 10,
    step_ms_p10: 9,
    step_ms_p90: 11,
    step_samples: 5,
    peak_tensor_bytes: 1,
    predicted_peak_bytes: null,
    device_mem_bytes: null,
    host_rss_peak_bytes: null,
    comm_bytes_sent: null,
    comm_bytes_received: null,
    comm_rounds: null,
    predicted_comm_bytes: null,
    comm_ms_modelled: null,
    comm_link: '',
    flops: null,
    achieved_flops_per_s: null,
    wall_ms: 1,
    finished_at: '',
    engine: 'tfjs',
    dtype: 'fp32',
    dist_backend: 'none',
    comm_exposed_ms: null,
    comm_ms_measured: null,
    memory_probe: '',
    device_compute_ms: null,
    err_loss: null,
    err_dx: null,
    err_dy: null,
    err_dt: null,
    err_db: null,
    accuracy: '',
    impl_version: '',
    ...p,
  };
  r.id = scenarioId(r);
  return r;
}
