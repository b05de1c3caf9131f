// One scenario in this (child) process: a fresh tfjs engine and a clean memory baseline. The parent
// (runner.ts) forks one per scenario and records whatever comes back, or how the child died.
import { tf } from '../engine/tf.js';
import { selectBackend, firstLine } from '../engine/backend.js';
import { lossStep } from '../losses/index.js';
import { deviceInputs, disposeInputs } from '../losses/inputs.js';
import type { LossInputs, StepResult } from '../losses/types.js';
import { measureTensorPeak } from '../probes/tensor-memory.js';
import { timeStep } from '../probes/timing.js';
import { classifyFailure } from './classify.js';
import type { WorkerJob, WorkerReport } from '../results/protocol.js';
import { scenarioId } from './spec.js';

type Ledgered = StepResult & { ledger?: { bytesSent: number; bytesReceived: number; rounds: number } };

const outputsOf = (r: StepResult) => [r.loss, r.grads.x, r.grads.y, r.grads.tPrime, ...(r.grads.bias ? [r.grads.bias] : [])];

export async function runJob(job: WorkerJob): Promise<WorkerReport> {
  const { spec } = job;
  const report: WorkerReport = {
    status: 'error', reason: '', device_name: '', loss_value: null, step_ms_median: null, step_ms_p10: null, step_ms_p90: null,
    step_samples: null, peak_tensor_bytes: null, comm_bytes_sent: null, comm_bytes_received: null, comm_rounds: null, host_rss_peak_bytes: 0,
  };
  let inputs: LossInputs | null = null;
  try {
    const ready = await selectBackend(job.backend);
    report.device_name = ready.deviceName;
    injectFault(scenarioId(spec));
    inputs = deviceInputs(spec.loss, spec.n, spec.dim, spec.seed);
    const inp = inputs;
    let step: () => Ledgered;
    let measurePeak: () => Promise<number>;
    if (spec.strategy === 'single') {
      const f = lossStep(spec.loss, spec.impl, spec.chunk);
      step = () => f(inp);
      measurePeak = async () => {
        const p = await measureTensorPeak(() => outputsOf(f(inp)));
        if (p.leakedTensors !== 0) throw new Error(`step leaked ${p.leakedTensors} tensors`);
        return p.peakTensorBytes;
      };
    } else {
      const dist = await import('../distributed/index.js');
      const ds = { loss: spec.loss, impl: spec.impl, strategy: spec.strategy, world: spec.world, chunk: spec.chunk };
      step = () => dist.distributedStep(ds, inp);
      measurePeak = async () => {
        const m = await dist.measureDistributed(ds, inp);
        tf.dispose(outputsOf(m.result));
        return m.busiestDevicePeakBytes;
      };
    }

    // First step: the loss value, the ledger, and a NaN check over every output (NaN never passes).
    const first = step();
    if (first.ledger) {
      report.comm_bytes_sent = first.ledger.bytesSent;
      report.comm_bytes_received = first.ledger.bytesReceived;
      report.comm_rounds = first.ledger.rounds;
    }
    const outs = outputsOf(first);
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
        tf.dispose(outputsOf(r));
        await ready.sync();
      },
      { warmup: spec.warmup, minSamples: spec.samples, budgetMs: spec.timeBudgetMs },
    );
    report.step_ms_median = timing.medianMs;
    report.step_ms_p10 = timing.p10Ms;
    report.step_ms_p90 = timing.p90Ms;
    report.step_samples = timing.samples;
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
 * Test hook: LOSSBENCH_FAULT="crash:<id>" aborts the worker of scenario <id> (SIGABRT) right after the
 * backend is selected, "exit:<id>" makes it exit with code 3; several faults are separated by commas.
 */
function injectFault(id: string): void {
  for (const f of (process.env.LOSSBENCH_FAULT ?? '').split(',')) {
    const colon = f.indexOf(':');
    if (colon < 0 || f.slice(colon + 1).trim() !== id) continue;
    const kind = f.slice(0, colon).trim();
    if (kind === 'crash') process.abort();
    if (kind === 'exit') process.exit(3);
  }
}

/** Child entry: the job comes in LOSSBENCH_JOB, the report goes back over IPC. */
export async function workerMain(): Promise<void> {
  process.on('disconnect', () => process.exit(1)); // the parent died: do not linger
  const job = JSON.parse(process.env.LOSSBENCH_JOB ?? 'null') as WorkerJob | null;
  if (!job) throw new Error('worker: LOSSBENCH_JOB is not set');
  const report = await runJob(job);
  await new Promise<void>((resolve) => (process.send ? process.send(report, () => resolve()) : (console.log(JSON.stringify(report)), resolve())));
  process.exit(0); // tfjs-backend threads and Dawn can keep the loop alive
}
