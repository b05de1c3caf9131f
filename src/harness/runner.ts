// The sweep: one child process per scenario, recorded as it finishes, so nothing measured is lost.
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import type { BackendReady } from '../engine/backend.js';
import { memoryUsedBytes, queryGpus } from '../engine/nvidia-smi.js';
import { GpuMemorySampler } from '../probes/gpu-memory.js';
import { appendResult } from '../results/store.js';
import { classifyFailure } from './classify.js';
import type { ScenarioResult, Status } from '../results/row.js';
import { scenarioId, type ScenarioSpec } from './spec.js';
import type { WorkerJob, WorkerReport } from '../results/protocol.js';
import { predictScenario, type Prediction } from '../model/predict.js';

export interface SweepOptions {
  dir: string;
  backend: BackendReady;
  timeoutMs: number;
  /** Run scenarios predicted not to fit anyway. */
  force: boolean;
  /** Kill a child whose RSS passes this (recorded as oom); null: no limit. */
  memoryLimitBytes: number | null;
  /** Stop starting scenarios after this much wall time (ms); the rest stay for --resume. */
  timeBudgetMs: number | null;
  onStart?: (spec: ScenarioSpec, index: number) => void;
  onDone?: (row: ScenarioResult, index: number) => void;
}

/** The bytes a scenario may use on this backend (with a 10% margin), or null where unknown. */
export function availableBytes(backend: BackendReady): number | null {
  if (backend.name === 'webgpu' || (backend.name === 'tensorflow' && /CUDA/.test(backend.deviceName))) {
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

function baseRow(spec: ScenarioSpec, backend: BackendReady, pred: Prediction): ScenarioResult {
  return {
    id: scenarioId(spec), loss: spec.loss, impl: spec.impl, strategy: spec.strategy, n: spec.n, world: spec.world,
    local_batch: spec.localBatch, dim: spec.dim, chunk: spec.chunk, backend: backend.name, device_name: backend.deviceName,
    status: 'error', reason: '', loss_value: null, step_ms_median: null, step_ms_p10: null, step_ms_p90: null, step_samples: null,
    peak_tensor_bytes: null, predicted_peak_bytes: Math.round(pred.peakBytes), device_mem_bytes: null, host_rss_peak_bytes: null,
    comm_bytes_sent: null, comm_bytes_received: null, comm_rounds: null, predicted_comm_bytes: pred.commBytes,
    comm_ms_modelled: null, comm_link: spec.world > 1 ? spec.link : '', flops: pred.flops, achieved_flops_per_s: null,
    wall_ms: 0, finished_at: '',
  };
}

/** Runs one spec in a child; never throws: every outcome becomes a row. */
export async function runScenario(spec: ScenarioSpec, opts: SweepOptions): Promise<ScenarioResult> {
  const started = Date.now();
  const pred = predictScenario(spec);
  const row = baseRow(spec, opts.backend, pred);
  const finish = (status: Status, reason: string) => {
    row.status = status;
    row.reason = reason;
    row.wall_ms = Date.now() - started;
    row.finished_at = new Date().toISOString();
    if (row.comm_bytes_sent !== null && row.comm_rounds !== null) row.comm_ms_modelled = pred.commMs(row.comm_bytes_sent, row.comm_rounds);
    if (row.step_ms_median && row.flops) row.achieved_flops_per_s = row.flops / (row.step_ms_median / 1000);
    return row;
  };

  const maxTensor = opts.backend.maxTensorBytes;
  if (maxTensor !== null && pred.largestTensorBytes > maxTensor)
    return finish('limit', `largest tensor ${pred.largestTensorBytes} bytes > ${opts.backend.name} binding limit ${maxTensor} bytes`);
  const available = availableBytes(opts.backend);
  if (!opts.force && available !== null && pred.peakBytes > available)
    return finish('skipped', `predicted peak ${Math.round(pred.peakBytes)} bytes > available ${Math.floor(available)} bytes (--force runs it)`);

  const sampler = new GpuMemorySampler(100).start();
  const report = await runChild({ spec, backend: opts.backend.name }, opts);
  row.device_mem_bytes = await sampler.stop();
  if ('report' in report) {
    const r = report.report;
    Object.assign(row, {
      device_name: r.device_name || row.device_name, loss_value: r.loss_value, step_ms_median: r.step_ms_median,
      step_ms_p10: r.step_ms_p10, step_ms_p90: r.step_ms_p90, step_samples: r.step_samples, peak_tensor_bytes: r.peak_tensor_bytes,
      comm_bytes_sent: r.comm_bytes_sent, comm_bytes_received: r.comm_bytes_received, comm_rounds: r.comm_rounds,
      host_rss_peak_bytes: r.host_rss_peak_bytes,
    });
    return finish(r.status, r.reason);
  }
  row.host_rss_peak_bytes = report.rssPeakBytes || null;
  return finish(report.status, report.reason);
}

type ChildOutcome = { report: WorkerReport } | { status: Status; reason: string; rssPeakBytes: number };

let current: ChildProcess | null = null;
/** Kills the running child (SIGINT handling). */
export function killCurrentChild(): void {
  current?.kill('SIGKILL');
}

function rssOf(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

function runChild(job: WorkerJob, opts: SweepOptions): Promise<ChildOutcome> {
  const entry = workerEntry();
  return new Promise((resolve) => {
    const child = fork(entry.path, ['__worker'], {
      execArgv: entry.execArgv,
      // TF_FORCE_GPU_ALLOW_GROWTH: TensorFlow would otherwise take nearly all GPU memory at start,
      // and the nvidia-smi column would measure that, not the scenario.
      env: { TF_FORCE_GPU_ALLOW_GROWTH: 'true', ...process.env, LOSSBENCH_JOB: JSON.stringify(job) },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    current = child;
    let stderr = '';
    let report: WorkerReport | null = null;
    let killedFor: { status: Status; reason: string } | null = null;
    let rssPeak = 0;
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-8000)));
    child.on('message', (m) => (report = m as WorkerReport));
    const timer = setTimeout(() => {
      killedFor = { status: 'timeout', reason: `no result within ${opts.timeoutMs} ms (--timeout)` };
      child.kill('SIGKILL');
    }, opts.timeoutMs);
    const poll = setInterval(() => {
      const rss = child.pid ? rssOf(child.pid) : 0;
      rssPeak = Math.max(rssPeak, rss);
      if (opts.memoryLimitBytes !== null && rss > opts.memoryLimitBytes) {
        killedFor = { status: 'oom', reason: `host RSS ${rss} bytes passed --memory-limit ${opts.memoryLimitBytes} bytes` };
        child.kill('SIGKILL');
      }
    }, 100);
    // 'close', not 'exit': by then stderr has been read to its end, so the reason is whole.
    child.on('error', (err) => {
      killedFor ??= { status: 'error', reason: `worker could not run: ${err.message}` };
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      clearInterval(poll);
      current = null;
      if (report) return resolve({ report });
      if (killedFor) return resolve({ ...killedFor, rssPeakBytes: rssPeak });
      const lines = stderr.split('\n').map((l) => l.trim()).filter((l) => l && !/^at |^\d+: |^----- .* -----$|XDG_RUNTIME_DIR|^Warning: Couldn't load Vulkan/.test(l)); // stack frames (JS, native) say nothing
      const last = lines.filter((l) => /error|abort|memory|killed/i.test(l)).pop() ?? lines.pop() ?? '';
      const how = signal ? `killed by ${signal}` : `exited with code ${code}`;
      // A silent SIGKILL that we did not send is most often the kernel's OOM killer.
      const silentKill = signal === 'SIGKILL' && !last;
      const status = silentKill ? 'oom' : classifyFailure(`${last} ${how}`);
      const why = silentKill ? ' (no message: likely the kernel\'s OOM killer)' : last ? `: ${last.slice(0, 300)}` : '';
      resolve({ status, reason: `worker ${how}${why}`, rssPeakBytes: rssPeak });
    });
  });
}

/** Runs the specs not yet done, appending each row as it finishes. Returns the rows of this run. */
export async function runSweep(specs: ScenarioSpec[], opts: SweepOptions, stop: { requested: boolean }): Promise<{ rows: ScenarioResult[]; notRun: number }> {
  const rows: ScenarioResult[] = [];
  const t0 = Date.now();
  for (const [i, spec] of specs.entries()) {
    if (stop.requested) return { rows, notRun: specs.length - i };
    if (opts.timeBudgetMs !== null && Date.now() - t0 > opts.timeBudgetMs) return { rows, notRun: specs.length - i };
    opts.onStart?.(spec, i);
    const row = await runScenario(spec, opts);
    if (stop.requested && row.status !== 'ok') return { rows, notRun: specs.length - i }; // killed by SIGINT: not a result
    appendResult(opts.dir, row);
    rows.push(row);
    opts.onDone?.(row, i);
  }
  return { rows, notRun: 0 };
}
