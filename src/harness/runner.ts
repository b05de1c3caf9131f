// The sweep: one child process per scenario, recorded as it finishes, so nothing measured is lost.
// Every engine's worker is started the same way (docs/worker-protocol.md): its own process group, the job
// in LOSSBENCH_JOB, the report back through the file LOSSBENCH_REPORT names, everything else it makes in
// the scenario's scratch folder (scratch.ts), tied to this process (LOSSBENCH_PARENT_PID).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BackendReady } from '../engine/backend.js';
import { PARENT_ENV, torchEnv, type TorchReady } from '../engine/torch.js';
import { memoryUsedBytes, queryGpus } from '../engine/nvidia-smi.js';
import { GpuMemorySampler } from '../probes/gpu-memory.js';
import { groupRssBytes, killGroup } from '../probes/process-group.js';
import { appendResult } from '../results/store.js';
import { classifyFailure } from './classify.js';
import type { ScenarioResult, Status } from '../results/row.js';
import { scenarioId, type ScenarioSpec } from './spec.js';
import { TFJS_MEMORY_PROBE } from '../results/load.js';
import {
  JOB_ENV,
  parseReport,
  PROTOCOL_VERSION,
  REPORT_ENV,
  unmeasured,
  type WorkerJob,
  type WorkerReport,
} from '../results/protocol.js';
import { predictAny, type PartialPrediction } from '../model/predict.js';
import { hasStrategy } from '../distributed/registry.js';
import { isBuiltinImpl, isTfjsGpuImpl } from '../losses/types.js';
import type { NodeLayout } from './nodes.js';
import { TORCH_PROCESS_HOST_BYTES } from '../model/torch-process.js';
import {
  describeProcesses,
  makeScratch,
  removeScratch,
  runProcesses,
  SCRATCH_ENV,
  scratchOf,
  stopOrphans,
} from './scratch.js';
import type { TaggedProcess } from '../probes/tagged-processes.js';

/** What runs the scenarios: a tfjs backend, or the torch engine on a device. */
export type EngineTarget = BackendReady | TorchReady;
export const isTorch = (t: EngineTarget): t is TorchReady => (t as TorchReady).engine === 'torch';

export interface SweepOptions {
  dir: string;
  backend: EngineTarget;
  timeoutMs: number;
  /** When a worker is killed (default timeoutMs). A node other than 0 leaves each scenario's time to node 0:
   * its worker waits for node 0 to reach the scenario, and ends when node 0 ends it or is gone. */
  workerTimeoutMs?: number;
  /** Run scenarios predicted not to fit anyway. */
  force: boolean;
  /** Kill a child whose RSS passes this (recorded as oom); null: no limit. */
  memoryLimitBytes: number | null;
  /** Stop starting scenarios after this much wall time (ms); the rest stay for --resume. */
  timeBudgetMs: number | null;
  /** Raw float32 inputs for every scenario instead of seeded ones (the job's inputsPath). */
  inputsPath?: string;
  /** Across nodes: this node's place; each distributed scenario's job gets a rendezvous (torch only). */
  nodes?: NodeLayout | null;
  /** Across nodes: each scenario's place in the whole sweep (the same list on every node), by id. */
  order?: Map<string, number>;
  onStart?: (spec: ScenarioSpec, index: number) => void;
  /** A worker was started for the scenario (across nodes, node 0's hosts its rendezvous). */
  onServed?: (spec: ScenarioSpec) => void;
  onDone?: (row: ScenarioResult, index: number) => void;
}

/** The bytes a scenario may use on this backend (with a 10% margin), or null where unknown. */
export function availableBytes(backend: EngineTarget): number | null {
  if (
    backend.name === 'webgpu' ||
    backend.name === 'cuda' ||
    (backend.name === 'tensorflow' && /CUDA/.test(backend.deviceName))
  ) {
    const gpu = queryGpus()[0];
    const used = memoryUsedBytes();
    if (gpu?.memory_total_bytes && used !== null) return 0.9 * (gpu.memory_total_bytes - used);
    return null;
  }
  const ram = os.freemem();
  // wasm32 addresses at most 4 GiB however much RAM there is.
  return 0.9 * (backend.name === 'wasm' ? Math.min(ram, 4 * 2 ** 30) : ram);
}

function workerEntry(): { path: string; execArgv: string[] } {
  const here = import.meta.url as string | undefined;
  if (here) return { path: fileURLToPath(new URL('../cli.ts', here)), execArgv: ['--import', 'tsx'] };
  return { path: process.argv[1]!, execArgv: [] }; // the bundle forks itself
}

function baseRow(spec: ScenarioSpec, backend: EngineTarget, pred: PartialPrediction): ScenarioResult {
  const torch = isTorch(backend);
  return {
    id: scenarioId(spec),
    loss: spec.loss,
    impl: spec.impl,
    strategy: spec.strategy,
    n: spec.n,
    world: spec.world,
    local_batch: spec.localBatch,
    dim: spec.dim,
    chunk: spec.chunk,
    backend: backend.name,
    device_name: backend.deviceName,
    status: 'error',
    reason: '',
    ...unmeasured(),
    predicted_peak_bytes: pred.peakBytes === null ? null : Math.round(pred.peakBytes),
    device_mem_bytes: null,
    host_rss_peak_bytes: null,
    predicted_comm_bytes: pred.commBytes,
    comm_ms_modelled: null,
    comm_link: spec.world > 1 ? spec.link.name : '',
    flops: pred.flops,
    achieved_flops_per_s: null,
    wall_ms: 0,
    finished_at: '',
    engine: torch ? 'torch' : 'tfjs',
    dtype: torch ? backend.dtype : 'fp32',
    dist_backend: spec.world === 1 ? 'none' : torch ? (backend.name === 'cuda' ? 'nccl' : 'gloo') : 'simulated',
    memory_probe: torch ? '' : TFJS_MEMORY_PROBE,
    accuracy: '',
    impl_version: '',
  };
}

/** Runs one spec in a child; never throws: every outcome becomes a row. */
export async function runScenario(spec: ScenarioSpec, opts: SweepOptions): Promise<ScenarioResult> {
  const started = Date.now();
  const b = opts.backend;
  const pred = predictAny(spec, isTorch(b) ? { engine: 'torch', device: b.name, dtype: b.dtype } : { engine: 'tfjs' });
  const row = baseRow(spec, opts.backend, pred);
  const finish = (status: Status, reason: string) => {
    row.status = status;
    row.reason = reason;
    row.wall_ms = Date.now() - started;
    row.finished_at = new Date().toISOString();
    if (row.comm_bytes_sent !== null && row.comm_rounds !== null)
      row.comm_ms_modelled = pred.commMs(row.comm_bytes_sent, row.comm_rounds);
    if (row.step_ms_median && row.flops) row.achieved_flops_per_s = row.flops / (row.step_ms_median / 1000);
    return row;
  };

  if (isTfjsGpuImpl(spec.impl)) {
    if (isTorch(opts.backend) || opts.backend.name !== 'webgpu' || spec.strategy !== 'single')
      return finish('unsupported', `${spec.impl} is tfjs's WebGPU kernels on one device: --backend webgpu, single`);
  } else if (!isTorch(opts.backend) && !isBuiltinImpl(spec.impl))
    return finish('unsupported', `tfjs runs lossbench's own naive and chunked; ${spec.impl} needs --engine torch`);
  if (!isTorch(opts.backend) && !hasStrategy(spec.loss, spec.strategy))
    return finish('unsupported', `${spec.loss}/${spec.strategy} is a third-party mode: --engine torch runs it`);
  const maxTensor = opts.backend.maxTensorBytes;
  if (maxTensor !== null && pred.largestTensorBytes !== null && pred.largestTensorBytes > maxTensor)
    return finish(
      'limit',
      `largest tensor ${pred.largestTensorBytes} bytes > ${opts.backend.name} binding limit ${maxTensor} bytes`,
    );
  const follower = !!opts.nodes && opts.nodes.nodeRank > 0;
  if (follower && spec.world === 1) return finish('skipped', 'one device: node 0 runs it');
  const available = follower ? null : availableBytes(opts.backend); // node 0 decides what is skipped
  // torch on the CPU runs W real ranks, each holding its device's share, in the one host memory, and each a
  // process that has loaded torch (TORCH_PROCESS_HOST_BYTES), as has the worker that started them.
  const torchCpu = isTorch(opts.backend) && opts.backend.name === 'cpu';
  const ranksOnHost = torchCpu ? spec.world : 1;
  const processes = torchCpu ? (spec.world > 1 ? spec.world + 1 : 1) : 0;
  const need = (pred.peakBytes ?? 0) * ranksOnHost + processes * TORCH_PROCESS_HOST_BYTES;
  if (!opts.force && available !== null && need > available)
    return finish(
      'skipped',
      `predicted peak ${Math.round(need)} bytes${ranksOnHost > 1 ? ` (${ranksOnHost} ranks)` : ''} > available ${Math.floor(available)} bytes (--force runs it)`,
    );

  // No row is measured beside another worker of this run: an orphan of a killed runner is stopped first; one
  // seen alive when ours ends (it cannot start later: its runner is dead) voids the measurement, which runs
  // again once it is stopped.
  let report: Exclude<ChildOutcome, { ghosts: TaggedProcess[] }>;
  for (let attempt = 1; ; attempt++) {
    const left = await stopOrphans(opts.dir);
    if (left.length)
      return finish(
        'error',
        `not measured: a worker of an earlier run of this folder is still alive and could not be stopped (${describeProcesses(left)}); stop it, then --resume`,
      );
    const sampler = new GpuMemorySampler(100).start();
    opts.onServed?.(spec);
    const got = await runChild(jobOf(spec, opts), spec, opts);
    row.device_mem_bytes = await sampler.stop();
    if (!('ghosts' in got)) {
      report = got;
      break;
    }
    if (attempt === 2)
      return finish(
        'error',
        `not measured: another worker of this folder ran beside it twice (${describeProcesses(got.ghosts)})`,
      );
  }
  if ('report' in report) {
    const r = report.report;
    Object.assign(row, {
      device_name: r.device_name || row.device_name,
      loss_value: r.loss_value,
      step_ms_median: r.step_ms_median,
      step_ms_p10: r.step_ms_p10,
      step_ms_p90: r.step_ms_p90,
      step_samples: r.step_samples,
      peak_tensor_bytes: r.peak_tensor_bytes,
      comm_bytes_sent: r.comm_bytes_sent,
      comm_bytes_received: r.comm_bytes_received,
      comm_rounds: r.comm_rounds,
      // The worker's own peak, or the group's as sampled here when that is larger (ranks it did not count).
      host_rss_peak_bytes: Math.max(r.host_rss_peak_bytes, report.rssPeakBytes) || null,
      comm_ms_measured: r.comm_ms_measured ?? null,
      comm_exposed_ms: r.comm_exposed_ms ?? null,
      dist_backend: r.dist_backend ?? row.dist_backend,
      memory_probe: r.memory_probe || row.memory_probe,
      device_compute_ms: r.device_compute_ms ?? null,
      err_loss: r.err_loss ?? null,
      err_dx: r.err_dx ?? null,
      err_dy: r.err_dy ?? null,
      err_dt: r.err_dt ?? null,
      err_db: r.err_db ?? null,
      accuracy: r.accuracy ?? '',
      impl_version: r.impl_version ?? '',
    });
    return finish(r.status, withRank(r));
  }
  row.host_rss_peak_bytes = report.rssPeakBytes || null;
  return finish(report.status, report.reason);
}

/** The reason, naming the failed rank when the worker reported one and its reason does not already. */
function withRank(r: WorkerReport): string {
  if (r.failed_rank === null || r.failed_rank === undefined || new RegExp(`\\brank ${r.failed_rank}\\b`).test(r.reason))
    return r.reason;
  return `rank ${r.failed_rank}: ${r.reason}`;
}

function jobOf(spec: ScenarioSpec, opts: SweepOptions): WorkerJob {
  const b = opts.backend;
  const inputs = opts.inputsPath ? { inputsPath: opts.inputsPath } : {};
  const n = opts.nodes;
  // node 0 hosts a one-device scenario's tag too, so that the other nodes see it at work (nodes.py)
  const rendezvous =
    n && (spec.world > 1 || n.nodeRank === 0)
      ? {
          rendezvous: {
            nnodes: n.nnodes,
            nodeRank: n.nodeRank,
            masterAddr: n.masterAddr,
            masterPort: n.masterPort,
            order: opts.order?.get(scenarioId(spec)) ?? 0,
            arriveDeadlineMs: Date.now() + arriveTimeoutMs(opts.timeoutMs),
            arriveTimeoutMs: arriveTimeoutMs(opts.timeoutMs),
          },
        }
      : {};
  return isTorch(b)
    ? {
        protocol: PROTOCOL_VERSION,
        spec,
        engine: 'torch',
        device: b.name,
        dtype: b.dtype,
        overlap: b.overlap,
        ...inputs,
        ...rendezvous,
      }
    : { protocol: PROTOCOL_VERSION, spec, engine: 'tfjs', backend: b.name, ...inputs };
}

/**
 * Node 0 waits this long (from the scenario's start, worker start-up included) for the other nodes, so that it
 * can name a missing one before --timeout ends the scenario.
 */
export function arriveTimeoutMs(timeoutMs: number): number {
  return Math.max(1000, Math.round(timeoutMs * 0.9 - 2000));
}

/** What a launcher around lossbench set for its own ranks; a worker that saw them would take itself for one. */
const LAUNCHER_VARS = ['RANK', 'WORLD_SIZE', 'LOCAL_RANK', 'LOCAL_WORLD_SIZE', 'GROUP_RANK', 'ROLE_RANK'];

/** The command that serves one job: the CLI's hidden __worker (tfjs), `python -m lossbench_torch worker` (torch). */
function workerCommand(target: EngineTarget): { cmd: string; args: string[]; env: NodeJS.ProcessEnv } {
  if (isTorch(target)) return { cmd: target.python, args: ['-m', 'lossbench_torch', 'worker'], env: torchEnv() };
  const entry = workerEntry();
  // TF_FORCE_GPU_ALLOW_GROWTH: TensorFlow would otherwise take nearly all GPU memory at start,
  // and the nvidia-smi column would measure that, not the scenario.
  return {
    cmd: process.execPath,
    args: [...entry.execArgv, entry.path, '__worker'],
    env: { TF_FORCE_GPU_ALLOW_GROWTH: 'true', ...process.env },
  };
}

type ChildOutcome =
  | { report: WorkerReport; rssPeakBytes: number }
  | { status: Status; reason: string; rssPeakBytes: number }
  | { ghosts: TaggedProcess[] };

let current: ChildProcess | null = null;
/** Kills the running worker's whole process group (SIGINT handling). */
export function killCurrentChild(): void {
  if (current?.pid) killGroup(current.pid);
}
// A runner that exits with a worker still running (an uncaught error, process.exit) takes the group along.
process.on('exit', killCurrentChild);

function readReport(path: string): WorkerReport | { error: string } | null {
  if (!existsSync(path)) return null;
  try {
    return parseReport(readFileSync(path, 'utf8'));
  } catch (err) {
    return { error: (err as Error).message };
  }
}

/** The stopped members of a group, named (a rank frozen by SIGSTOP, say), for a timeout's reason. */
function stoppedIn(dir: string, pgid: number): string {
  const stopped = runProcesses(dir).filter((p) => p.pgid === pgid && (p.state === 'T' || p.state === 't'));
  if (!stopped.length) return '';
  const ranks = stopped.filter((p) => p.rank !== null).map((p) => `rank ${p.rank}`);
  return `; stopped (not answering): ${ranks.length ? ranks.join(', ') : describeProcesses(stopped)}`;
}

function runChild(job: WorkerJob, spec: ScenarioSpec, opts: SweepOptions): Promise<ChildOutcome> {
  const { cmd, args, env } = workerCommand(opts.backend);
  if (opts.nodes) for (const k of LAUNCHER_VARS) delete env[k];
  const scratch = makeScratch(scratchOf(opts.dir, spec));
  const reportPath = join(scratch.path, 'report.json');
  return new Promise((resolve) => {
    // detached: the worker leads a process group of its own, which holds any ranks it starts; a timeout,
    // --memory-limit or Ctrl-C kills the whole group, so no rank outlives its scenario. TMPDIR (torch):
    // whatever the worker's libraries put in temp files lands in the scratch too, removed with it.
    const child = spawn(cmd, args, {
      detached: true,
      env: {
        ...env,
        [JOB_ENV]: JSON.stringify(job),
        [REPORT_ENV]: reportPath,
        [PARENT_ENV]: String(process.pid),
        [SCRATCH_ENV]: scratch.path,
        // Not for tfjs: tsx keeps its compile cache in the temp dir, and a fresh one per worker costs seconds.
        ...(isTorch(opts.backend) ? { TMPDIR: scratch.tmp } : {}),
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    current = child;
    const pgid = child.pid;
    let stderr = '';
    let killedFor: { status: Status; reason: string } | null = null;
    let rssPeak = 0;
    const kill = (why: { status: Status; reason: string }) => {
      killedFor ??= why;
      if (pgid) killGroup(pgid);
    };
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-8000)));
    const timeoutMs = opts.workerTimeoutMs ?? opts.timeoutMs;
    const timer = setTimeout(
      () =>
        kill({
          status: 'timeout',
          reason: `no result within ${timeoutMs} ms (--timeout)${pgid ? stoppedIn(opts.dir, pgid) : ''}`,
        }),
      timeoutMs,
    );
    // Reading every process's /proc entry costs: often only when a limit depends on it.
    const poll = setInterval(
      () => {
        const rss = pgid ? groupRssBytes(pgid) : 0;
        rssPeak = Math.max(rssPeak, rss);
        if (opts.memoryLimitBytes !== null && rss > opts.memoryLimitBytes)
          kill({ status: 'oom', reason: `host RSS ${rss} bytes passed --memory-limit ${opts.memoryLimitBytes} bytes` });
      },
      opts.memoryLimitBytes !== null ? 100 : 500,
    );
    // 'close', not 'exit': by then stderr has been read to its end, so the reason is whole.
    child.on('error', (err) => {
      killedFor ??= { status: 'error', reason: `worker could not run: ${err.message}` };
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      clearInterval(poll);
      current = null;
      if (pgid) killGroup(pgid); // ranks the worker left behind (it should have ended them)
      const report = readReport(reportPath); // a report written before a kill is still the result
      removeScratch(scratch.path);
      const ghosts = runProcesses(opts.dir, pgid);
      if (ghosts.length) return resolve({ ghosts });
      if (report && !('error' in report)) return resolve({ report, rssPeakBytes: rssPeak });
      if (killedFor) return resolve({ ...killedFor, rssPeakBytes: rssPeak });
      if (report)
        return resolve({ status: 'error', reason: `worker report unreadable: ${report.error}`, rssPeakBytes: rssPeak });
      const lines = stderr
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l && !/^at |^\d+: |^----- .* -----$|XDG_RUNTIME_DIR|^Warning: Couldn't load Vulkan/.test(l)); // stack frames (JS, native) say nothing
      const last = lines.filter((l) => /error|abort|memory|killed/i.test(l)).pop() ?? lines.pop() ?? '';
      const how = signal ? `killed by ${signal}` : `exited with code ${code}`;
      // A silent SIGKILL that we did not send is most often the kernel's OOM killer.
      const silentKill = signal === 'SIGKILL' && !last;
      const status = silentKill ? 'oom' : classifyFailure(`${last} ${how}`);
      const why = silentKill ? " (no message: likely the kernel's OOM killer)" : last ? `: ${last.slice(0, 300)}` : '';
      resolve({ status, reason: `worker ${how}${why}`, rssPeakBytes: rssPeak });
    });
  });
}

/** Runs the specs not yet done, appending each row as it finishes. Returns the rows of this run. */
export async function runSweep(
  specs: ScenarioSpec[],
  opts: SweepOptions,
  stop: { requested: boolean },
): Promise<{ rows: ScenarioResult[]; notRun: number }> {
  const rows: ScenarioResult[] = [];
  const t0 = Date.now();
  for (const [i, spec] of specs.entries()) {
    if (stop.requested) return { rows, notRun: specs.length - i };
    if (opts.timeBudgetMs !== null && Date.now() - t0 > opts.timeBudgetMs) return { rows, notRun: specs.length - i };
    opts.onStart?.(spec, i);
    const row = await runScenario(spec, opts);
    if (stop.requested && row.status !== 'ok') return { rows, notRun: specs.length - i }; // killed by SIGINT: not a result
    if (!opts.nodes || opts.nodes.nodeRank === 0) appendResult(opts.dir, row); // node 0 writes the results
    rows.push(row);
    opts.onDone?.(row, i);
  }
  return { rows, notRun: 0 };
}
