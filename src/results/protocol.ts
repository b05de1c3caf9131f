// The worker protocol (version 1): the job the runner sends to a worker process and the report it expects
// back. docs/worker-protocol.md is the contract in words (how they travel, exit codes, signals, fault
// hooks); this module is its types and the one reader of a report, for every engine.
import type { ConcreteBackend } from '../engine/backend.js';
import type { DistBackend, TorchDevice, TorchDtype } from '../engine/engines.js';
import { STATUSES, type ScenarioResult } from './row.js';
import type { ScenarioSpec } from './scenario.js';

export const PROTOCOL_VERSION = 1;
/** The job, as JSON, in the worker's environment. */
export const JOB_ENV = 'LOSSBENCH_JOB';
/** The path the worker writes its report to (a temporary file, then a rename). */
export const REPORT_ENV = 'LOSSBENCH_REPORT';
/** Test hook: faults a worker injects into itself (crash:<id>, exit:<id>, killrank:<r>:<id>, hang:<id>). */
export const FAULT_ENV = 'LOSSBENCH_FAULT';

interface JobBase {
  protocol: typeof PROTOCOL_VERSION;
  spec: ScenarioSpec;
  /**
   * Raw little-endian float32 inputs instead of seeded ones: x (N·D), y (N·D), t', β — 4·(2·N·D + 2)
   * bytes (src/losses/inputs-file.ts). Lets two engines run on bit-identical inputs.
   */
  inputsPath?: string;
}

export interface TfjsJob extends JobBase {
  engine: 'tfjs';
  backend: ConcreteBackend;
}

export interface TorchJob extends JobBase {
  engine: 'torch';
  device: TorchDevice;
  dtype: TorchDtype;
  /** Across nodes (W > 1 only): this node's part of the scenario (docs/worker-protocol.md, section 8). */
  rendezvous?: Rendezvous;
  /** Rings post their next round before computing (default true); false: one blocking round at a time. */
  overlap?: boolean;
}

/** Where a multi-node scenario's nodes meet: node 0's worker hosts a store at masterAddr:masterPort. */
export interface Rendezvous {
  nnodes: number;
  /** This node: 0 hosts the store and reports; node k starts global ranks k·W/nnodes ... (k+1)·W/nnodes − 1. */
  nodeRank: number;
  masterAddr: string;
  masterPort: number;
  /** The scenario's place in the sweep (−1: the link probe), so nodes agree on which scenario they serve. */
  order: number;
  /** Node 0 waits for every node to check in until this time (ms since the epoch; this host's clock), then
   * reports `timeout` naming the missing ones: arriveTimeoutMs after the runner started the scenario. */
  arriveDeadlineMs: number;
  arriveTimeoutMs: number;
}

export type WorkerJob = TfjsJob | TorchJob;

/** What the worker measured; the parent adds predictions and wall time to make the result row. */
export interface WorkerReport extends Pick<ScenarioResult,
  'status' | 'reason' | 'device_name' | 'loss_value' | 'step_ms_median' | 'step_ms_p10' | 'step_ms_p90' | 'step_samples' |
  'peak_tensor_bytes' | 'comm_bytes_sent' | 'comm_bytes_received' | 'comm_rounds'> {
  /** Peak resident set of the worker (all its ranks for torch), bytes. */
  host_rss_peak_bytes: number;
  /** torch: wall time spent in collectives per step, ms, measured; null for W = 1 (tfjs: absent). */
  comm_ms_measured?: number | null;
  /** torch: the part of comm_ms_measured the step waited for, ms; null for W = 1. */
  comm_exposed_ms?: number | null;
  /** torch: the torch.distributed backend ("none" for W = 1); tfjs: absent (the runner fills it in). */
  dist_backend?: DistBackend;
  /** torch: how peak_tensor_bytes was measured (e.g. the CUDA caching allocator's peak). */
  memory_probe?: string;
  /**
   * tfjs, W > 1: the busiest simulated device's compute time per step (median, ms), its collectives left
   * out (they are modelled); null where kernels run asynchronously (webgpu) or W = 1; torch: absent.
   */
  device_compute_ms?: number | null;
  /** torch: the rank whose failure ended the scenario, or null. */
  failed_rank?: number | null;
  /** torch: relative errors against the float64 reference (see ScenarioResult), the verdict, the impl's version. */
  err_loss?: number | null;
  err_dx?: number | null;
  err_dy?: number | null;
  err_dt?: number | null;
  err_db?: number | null;
  accuracy?: string;
  impl_version?: string | null;
}

const NUMBERS = ['loss_value', 'step_ms_median', 'step_ms_p10', 'step_ms_p90', 'step_samples', 'peak_tensor_bytes',
  'comm_bytes_sent', 'comm_bytes_received', 'comm_rounds', 'comm_ms_measured', 'device_compute_ms', 'comm_exposed_ms'] as const;
/** Optional numbers: a worker that does not check accuracy leaves them out. */
const OPTIONAL_NUMBERS = ['err_loss', 'err_dx', 'err_dy', 'err_dt', 'err_db'] as const;
const DIST_BACKENDS: DistBackend[] = ['none', 'simulated', 'gloo', 'nccl'];

type MeasuredNumber = (typeof NUMBERS)[number] | (typeof OPTIONAL_NUMBERS)[number];
/** Every number a worker measures, as not measured (null): where a report and a row start. */
export function unmeasured(): Record<MeasuredNumber, null> {
  return Object.fromEntries([...NUMBERS, ...OPTIONAL_NUMBERS].map((k) => [k, null])) as Record<MeasuredNumber, null>;
}

/**
 * Reads a report file's text; throws an Error naming the first bad field. Numbers may be null (not
 * measured); a missing optional field reads as absent, so a worker of another language may leave out
 * what it does not measure.
 */
export function parseReport(text: string): WorkerReport {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new Error(`report is not JSON (${text.length} bytes)`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('report is not a JSON object');
  const o = v as Record<string, unknown>;
  if (!STATUSES.includes(o.status as never)) throw new Error(`report status ${JSON.stringify(o.status)} is not one of ${STATUSES.join(', ')}`);
  for (const k of NUMBERS) {
    if (o[k] === undefined) o[k] = null;
    else if (o[k] !== null && !(typeof o[k] === 'number' && Number.isFinite(o[k]))) throw new Error(`report field ${k} is not a finite number or null`);
  }
  for (const k of OPTIONAL_NUMBERS)
    if (o[k] !== undefined && o[k] !== null && !(typeof o[k] === 'number' && Number.isFinite(o[k])))
      throw new Error(`report field ${k} is not a finite number or null`);
  for (const k of ['accuracy', 'impl_version'])
    if (o[k] !== undefined && o[k] !== null && typeof o[k] !== 'string') throw new Error(`report ${k} is not a string`);
  if (typeof o.reason !== 'string') o.reason = '';
  if (typeof o.device_name !== 'string') o.device_name = '';
  if (typeof o.host_rss_peak_bytes !== 'number' || !Number.isFinite(o.host_rss_peak_bytes)) o.host_rss_peak_bytes = 0;
  if (o.dist_backend !== undefined && !DIST_BACKENDS.includes(o.dist_backend as DistBackend)) throw new Error(`report dist_backend ${JSON.stringify(o.dist_backend)} is not one of ${DIST_BACKENDS.join(', ')}`);
  if (o.failed_rank !== undefined && o.failed_rank !== null && !Number.isInteger(o.failed_rank)) throw new Error('report failed_rank is not an integer or null');
  if (o.memory_probe !== undefined && typeof o.memory_probe !== 'string') throw new Error('report memory_probe is not a string');
  return o as unknown as WorkerReport;
}
