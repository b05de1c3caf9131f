// One scenario in this (child) process: a fresh tfjs engine and a clean memory baseline. The parent
// (runner.ts) starts one per scenario and records whatever comes back, or how the child died. It speaks
// worker protocol 1 (docs/worker-protocol.md), as engines/torch's worker does.
import { stepOutputs } from '../losses/types.js';
import { renameSync, writeFileSync } from 'node:fs';
import { tf } from '../engine/tf.js';
import { selectBackend, firstLine } from '../engine/backend.js';
import { distributedStep, measureDistributed, timeDevices as distributedTimes } from '../distributed/index.js';
import { deviceInputs, disposeInputs, toTensors } from '../losses/inputs.js';
import { readInputsFile } from '../losses/inputs-file.js';
import { isBuiltinImpl, isTfjsGpuImpl, type LossInputs } from '../losses/types.js';
import { quantile, timeStep } from '../probes/timing.js';
import { classifyFailure } from './classify.js';
import {
  FAULT_ENV,
  JOB_ENV,
  PROTOCOL_VERSION,
  REPORT_ENV,
  unmeasured,
  type TfjsJob,
  type WorkerReport,
} from '../results/protocol.js';
import { scenarioId } from './spec.js';

export async function runJob(job: TfjsJob): Promise<WorkerReport> {
  const { spec } = job;
  const report: WorkerReport = {
    status: 'error',
    reason: '',
    device_name: '',
    ...unmeasured(),
    host_rss_peak_bytes: 0,
  };
  let inputs: LossInputs | null = null;
  try {
    const ready = await selectBackend(job.backend);
    report.device_name = ready.deviceName;
    injectFault(scenarioId(spec));
    const impl = spec.impl;
    const fused = isTfjsGpuImpl(impl) && ready.webgpu !== undefined && spec.strategy === 'single';
    if (!isBuiltinImpl(impl) && !fused)
      throw new Error(`tfjs runs lossbench's own naive and chunked (and fused on webgpu, one device), not ${impl}`);
    inputs = job.inputsPath
      ? toTensors(readInputsFile(job.inputsPath, spec.n, spec.dim))
      : deviceInputs(spec.loss, spec.n, spec.dim, spec.seed);
    const inp = inputs;
    // fused brings its own one-device step (it needs the adapter's limits)
    const lossStep = fused
      ? (await import('../losses/fused-webgpu.js')).fusedStepOn(spec.loss, ready.webgpu!.limits)
      : undefined;
    const ds = { loss: spec.loss, impl, strategy: spec.strategy, world: spec.world, chunk: spec.chunk, lossStep };
    // One path for every W: 'single' is its strategy's rank program at W = 1 (src/distributed).
    const step = () => distributedStep(ds, inp);
    const measurePeak = async () => {
      const before = tf.memory().numTensors;
      const m = await measureDistributed(ds, inp);
      tf.dispose(stepOutputs(m.result));
      const leaked = tf.memory().numTensors - before;
      if (leaked !== 0) throw new Error(`step leaked ${leaked} tensors`);
      return m.busiestDevicePeakBytes;
    };
    // One device: the step is its time, and nothing crosses a link.
    const timeDevices =
      spec.world > 1 && SYNCHRONOUS.includes(ready.name)
        ? () => {
            const t = distributedTimes(ds, inp);
            tf.dispose(stepOutputs(t.result));
            return t.computeMs;
          }
        : null;

    // First step: the loss value, the ledger, and a NaN check over every output (NaN never passes).
    const first = step();
    if (spec.world > 1) {
      report.comm_bytes_sent = first.ledger.bytesSent;
      report.comm_bytes_received = first.ledger.bytesReceived;
      report.comm_rounds = first.ledger.rounds;
    }
    const outs = stepOutputs(first);
    const sums = tf.tidy(() => tf.stack(outs.map((t) => tf.sum(t))));
    const values = await sums.data();
    tf.dispose([sums, ...outs]);
    const bad = ['loss', 'dx', 'dy', "dt'", 'dβ'].filter((_, i) => i < values.length && !Number.isFinite(values[i]!));
    if (bad.length) throw new Error(`non-finite result in ${bad.join(', ')}`);
    report.loss_value = values[0]!;

    report.peak_tensor_bytes = await measurePeak();

    // Timed steps: the task reads back dt' (a scalar that depends on the whole backward) and waits on
    // the device queue, so the time covers the work, not its enqueueing.
    const timing = await timeStep(
      async () => {
        const r = step();
        await r.grads.tPrime.data();
        tf.dispose(stepOutputs(r));
        await ready.sync();
      },
      { warmup: spec.warmup, minSamples: spec.samples, budgetMs: spec.timeBudgetMs },
    );
    report.step_ms_median = timing.medianMs;
    report.step_ms_p10 = timing.p10Ms;
    report.step_ms_p90 = timing.p90Ms;
    report.step_samples = timing.samples;
    if (timeDevices) report.device_compute_ms = medianOf(spec.samples, timeDevices);
    report.status = 'ok';
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    report.status = classifyFailure(msg);
    report.reason = firstLine(err);
  } finally {
    if (inputs) disposeInputs(inputs);
    report.host_rss_peak_bytes = process.resourceUsage().maxRSS * 1024;
  }
  return report;
}

/**
 * Backends whose kernels run as they are called, so the wall time around a simulated device's local
 * computation is its compute time (on webgpu it would be the time to enqueue them).
 */
const SYNCHRONOUS: string[] = ['cpu', 'wasm', 'tensorflow'];

/** The median of `count` (at least 3) calls of `f`; null if any returns null. */
function medianOf(count: number, f: () => number | null): number | null {
  const xs: number[] = [];
  for (let i = 0; i < Math.max(3, count); i++) {
    const v = f();
    if (v === null) return null;
    xs.push(v);
  }
  return quantile(
    xs.sort((a, b) => a - b),
    0.5,
  );
}

/**
 * Test hook: LOSSBENCH_FAULT="crash:<id>" aborts the worker of scenario <id> (SIGABRT) right after the
 * backend is selected, "exit:<id>" makes it exit with code 3; several faults are separated by commas.
 */
function injectFault(id: string): void {
  for (const f of (process.env[FAULT_ENV] ?? '').split(',')) {
    const colon = f.indexOf(':');
    if (colon < 0 || f.slice(colon + 1).trim() !== id) continue;
    const kind = f.slice(0, colon).trim();
    if (kind === 'crash') process.abort();
    if (kind === 'exit') process.exit(3);
  }
}

/** The job from LOSSBENCH_JOB, checked: protocol 1, engine tfjs. */
function readJob(): TfjsJob {
  const text = process.env[JOB_ENV];
  if (!text) throw new Error(`worker: ${JOB_ENV} is not set`);
  const job = JSON.parse(text) as Partial<TfjsJob> & { engine?: string };
  if (job.protocol !== PROTOCOL_VERSION)
    throw new Error(
      `worker: this worker speaks protocol ${PROTOCOL_VERSION}, the job is protocol ${JSON.stringify(job.protocol)}`,
    );
  if (job.engine !== 'tfjs')
    throw new Error(`worker: this is the tfjs worker, the job is for engine ${JSON.stringify(job.engine)}`);
  if (!job.spec || !job.backend) throw new Error('worker: the job lacks spec or backend');
  return job as TfjsJob;
}

/** Exits when the runner is gone (this process is re-parented): nobody would read the report. */
function exitWithParent(): void {
  const parent = process.ppid;
  setInterval(() => process.ppid !== parent && process.exit(1), 500).unref();
}

/** Child entry: the job comes in LOSSBENCH_JOB, the report goes to the file LOSSBENCH_REPORT names (else stdout). */
export async function workerMain(): Promise<void> {
  exitWithParent();
  const report = await runJob(readJob());
  const path = process.env[REPORT_ENV];
  if (path) {
    // A temporary file then a rename: the runner never reads half a report.
    writeFileSync(`${path}.tmp`, JSON.stringify(report));
    renameSync(`${path}.tmp`, path);
  } else console.log(JSON.stringify(report));
  process.exit(0); // tfjs-backend threads and Dawn can keep the loop alive
}
