// One row per scenario: the shape of results.jsonl lines and results.csv columns. Field names are the
// CSV column names and carry their units (_bytes, _ms, _per_s), so a reader never guesses.
import type { ImplId, LossName } from '../losses/types.js';
import type { DistBackend, EngineName } from '../engine/engines.js';

/** unsupported: the implementation cannot run this scenario here (no CUDA, a strategy it lacks, a missing package). */
export const STATUSES = ['ok', 'oom', 'limit', 'skipped', 'error', 'timeout', 'unsupported'] as const;
export type Status = (typeof STATUSES)[number];

export interface ScenarioResult {
  /** Stable key of the scenario (see scenarioId); resume skips ids already present. */
  id: string;
  loss: LossName;
  impl: ImplId;
  /** 'single' or a distributed strategy name such as 'ring' (see src/distributed). */
  strategy: string;
  /** Global batch N = world·local_batch. */
  n: number;
  world: number;
  local_batch: number;
  dim: number;
  chunk: number | null;
  backend: string;
  device_name: string;
  status: Status;
  /** Why the status is not ok (or a note); empty when ok. */
  reason: string;
  loss_value: number | null;
  step_ms_median: number | null;
  step_ms_p10: number | null;
  step_ms_p90: number | null;
  step_samples: number | null;
  /** Peak tensor bytes of one step (per device, busiest device, for distributed strategies). */
  peak_tensor_bytes: number | null;
  predicted_peak_bytes: number | null;
  /** nvidia-smi memory.used peak minus its baseline; null where there is no NVIDIA GPU. */
  device_mem_bytes: number | null;
  host_rss_peak_bytes: number | null;
  comm_bytes_sent: number | null;
  comm_bytes_received: number | null;
  comm_rounds: number | null;
  predicted_comm_bytes: number | null;
  /** Modelled, not measured: α + bytes/β per round on the link named in comm_link. */
  comm_ms_modelled: number | null;
  comm_link: string;
  /** FLOPs the implementation really performs in one step (all devices together). */
  flops: number | null;
  achieved_flops_per_s: number | null;
  /** Wall time of the whole scenario (child process), set-up and warm-up included. */
  wall_ms: number;
  finished_at: string;
  /** What computed the step: tfjs (on `backend`) or torch (on device `backend`, cpu or cuda). */
  engine: EngineName;
  /** Numeric mode: tfjs is always fp32; torch fp32, tf32 or bf16 (autocast around the logit matmuls). */
  dtype: string;
  /** How collectives moved: none (one device), simulated (tfjs, one process), gloo or nccl (torch.distributed). */
  dist_backend: DistBackend;
  /** Measured wall time in collectives per step (torch, W > 1); null where not measured (tfjs models it). */
  comm_ms_measured: number | null;
  /**
   * tfjs simulated devices (W > 1): the busiest device's own compute time per step (median, ms), measured
   * by timing each device's local computations in turn; collectives are not in it (comm_ms_modelled is).
   * step_ms_* of such a row is the whole simulated step: all W devices one after another. Null elsewhere
   * (one device, torch, or webgpu, whose kernels run asynchronously).
   */
  device_compute_ms: number | null;
  /**
   * Of comm_ms_measured, the part the step waited for (torch, W > 1): all of a blocking collective; of a
   * ring round posted ahead (--overlap on), only the wait once the rank needed it. null where not measured.
   */
  comm_exposed_ms: number | null;
  /** How peak_tensor_bytes was measured: tfjs's tensor accounting, CUDA's allocator peak, torch's profiler. */
  memory_probe: string;
  /**
   * Accuracy against the float64 reference on the same inputs (torch engine): relative errors
   * ‖g − ref‖ / max(‖ref‖, floor) of the loss and each gradient, after the implementation's own convention
   * is normalised to lossbench's (docs/implementations.md); null where not computed or not finite.
   */
  err_loss: number | null;
  err_dx: number | null;
  err_dy: number | null;
  err_dt: number | null;
  err_db: number | null;
  /** 'pass', 'wrong (tolerance …): dx 5.3e-01', or why it was not checked; '' where no check ran. */
  accuracy: string;
  /** The implementation's version (its PyPI package's, or lossbench's torch). */
  impl_version: string;
}

/** CSV column order. */
export const RESULT_COLUMNS: (keyof ScenarioResult)[] = [
  'id', 'loss', 'impl', 'strategy', 'n', 'world', 'local_batch', 'dim', 'chunk', 'backend', 'device_name',
  'status', 'reason', 'loss_value', 'step_ms_median', 'step_ms_p10', 'step_ms_p90', 'step_samples',
  'peak_tensor_bytes', 'predicted_peak_bytes', 'device_mem_bytes', 'host_rss_peak_bytes',
  'comm_bytes_sent', 'comm_bytes_received', 'comm_rounds', 'predicted_comm_bytes', 'comm_ms_modelled', 'comm_link',
  'flops', 'achieved_flops_per_s', 'wall_ms', 'finished_at',
  // Added with the torch engine; appended so that older readers' column positions hold.
  'engine', 'dtype', 'dist_backend', 'comm_ms_measured', 'memory_probe',
  'device_compute_ms',
  // Added with the overlapped rings.
  'comm_exposed_ms',
  // Added with the implementations as a sweep dimension (issue 16).
  'err_loss', 'err_dx', 'err_dy', 'err_dt', 'err_db', 'accuracy', 'impl_version',
];
