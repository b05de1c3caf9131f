// The worker protocol: the job the runner sends to a worker process and the report it expects back.
// docs/worker-protocol.md gives the process contract (how they travel, exit codes, signals).
import type { ConcreteBackend } from '../engine/backend.js';
import type { ScenarioResult } from './row.js';
import type { ScenarioSpec } from './scenario.js';

export interface WorkerJob {
  spec: ScenarioSpec;
  backend: ConcreteBackend;
}

/** What the worker measured; the parent adds predictions and wall time to make the result row. */
export type WorkerReport = Pick<ScenarioResult,
  'status' | 'reason' | 'device_name' | 'loss_value' | 'step_ms_median' | 'step_ms_p10' | 'step_ms_p90' | 'step_samples' |
  'peak_tensor_bytes' | 'comm_bytes_sent' | 'comm_bytes_received' | 'comm_rounds'> & { host_rss_peak_bytes: number };

