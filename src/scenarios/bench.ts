// `lossbench bench`: pick the backend, build the sweep, make (or resume) the results folder, run.
import { mkdirSync, existsSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import cliProgress from 'cli-progress';
import { UsageError } from '../errors.js';
import { selectBackend, type BackendReady } from '../engine/backend.js';
import { fingerprint } from '../probes/system.js';
import type { BenchOptions } from './bench-cli.js';
import { buildScenarios } from './grid.js';
import { lockFolder, readResults, readRunInfo, writeCsv, writeRunInfo } from './results-store.js';
import type { RunInfo } from './run-info.js';
import { killCurrentChild, runSweep } from './runner.js';
import { scenarioId, positiveInt, type ScenarioSpec } from './spec.js';
import { summaryTable } from './summary.js';
import { predictScenario } from './predict.js';
import type { ScenarioResult } from './result.js';

const stamp = (d: Date) => d.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
const slug = (s: string) => s.replace(/[^A-Za-z0-9.-]+/g, '-').replace(/^-|-$/g, '').slice(0, 40);

/** --link-gbps/--link-latency-us become a custom link written as "custom:<GB/s>:<µs>". */
function linkOf(o: BenchOptions): string {
  if (o.linkGbps === undefined) return o.link;
  const gbps = Number(o.linkGbps);
  const us = Number(o.linkLatencyUs ?? 0);
  if (!(gbps > 0) || !(us >= 0)) throw new UsageError(`link-gbps: expected a positive bandwidth and a non-negative latency, got ${o.linkGbps} GB/s, ${o.linkLatencyUs} µs`);
  return `custom:${gbps}:${us}`;
}

function isGpu(b: BackendReady): boolean {
  return b.name === 'webgpu' || (b.name === 'tensorflow' && /CUDA/.test(b.deviceName));
}

export async function runBench(o: BenchOptions): Promise<number> {
  const timeoutMs = positiveInt('timeout', o.timeout) * 1000;
  const memoryLimitBytes = o.memoryLimit === undefined ? null : Math.floor(Number(o.memoryLimit) * 2 ** 30);
  if (memoryLimitBytes !== null && !(memoryLimitBytes > 0)) throw new UsageError(`memory-limit: expected a positive number of GB, got ${JSON.stringify(o.memoryLimit)}`);
  const timeBudgetMs = o.timeBudget === undefined ? null : Number(o.timeBudget) * 60_000;
  if (timeBudgetMs !== null && !(timeBudgetMs > 0)) throw new UsageError(`time-budget: expected a positive number of minutes, got ${JSON.stringify(o.timeBudget)}`);

  let dir: string;
  let specs: ScenarioSpec[];
  let info: RunInfo;
  let backend: BackendReady;
  if (o.resume) {
    dir = o.resume;
    info = readRunInfo(dir);
    backend = await selectBackend(info.backend as BackendReady['name']);
    specs = info.config.scenarios;
  } else {
    if (o.link !== 'nvlink4' || o.linkGbps) predictLinkCheck(linkOf(o));
    backend = await selectBackend(o.backend as never);
    specs = buildScenarios({ ...o, link: linkOf(o) }, isGpu(backend) ? 'paper' : 'quick');
    if (timeBudgetMs !== null) specs = [...specs].sort((a, b) => predictScenario(a).flops - predictScenario(b).flops);
    const fp = await fingerprint();
    dir = join(o.out, `${stamp(new Date())}-${slug(os.hostname())}-${backend.name}`);
    if (existsSync(dir)) throw new UsageError(`${dir} exists already`);
    mkdirSync(dir, { recursive: true });
    info = {
      ...fp, created_at: new Date().toISOString(), backend: backend.name, backend_notes: backend.notes, device_name: backend.deviceName,
      ...(backend.webgpu ? { webgpu_adapter: { vendor: backend.webgpu.vendor, architecture: backend.webgpu.architecture, device: backend.webgpu.device, description: backend.webgpu.description, limits: backend.webgpu.limits } } : {}),
      config: { preset: o.config ? null : o.preset ?? (hasCustomAxes(o) ? null : isGpu(backend) ? 'paper' : 'quick'), link: linkOf(o), scenarios: specs, timeout_ms: timeoutMs },
    };
    writeRunInfo(dir, info);
  }

  const unlock = lockFolder(dir);
  try {
    return await sweepInto(dir, specs, backend, o, { timeoutMs, memoryLimitBytes, timeBudgetMs });
  } finally {
    unlock();
  }
}

async function sweepInto(
  dir: string, specs: ScenarioSpec[], backend: BackendReady, o: BenchOptions,
  limits: { timeoutMs: number; memoryLimitBytes: number | null; timeBudgetMs: number | null },
): Promise<number> {
  const { timeoutMs, memoryLimitBytes, timeBudgetMs } = limits;
  const log = (s: string) => !o.json && console.error(s);
  for (const note of backend.notes) log(`backend ${note}`);
  const done = new Set(readResults(dir, true).map((r) => r.id));
  const todo = specs.filter((s) => !done.has(scenarioId(s)));
  log(`${dir}: ${specs.length} scenarios, ${done.size} done before, ${todo.length} to run`);

  const stop = { requested: false };
  const onSigint = () => {
    if (stop.requested) return;
    stop.requested = true;
    killCurrentChild();
  };
  process.on('SIGINT', onSigint);

  const tty = !o.json && process.stderr.isTTY;
  const bar = tty
    ? new cliProgress.SingleBar({ format: '{bar} {value}/{total} | ETA {eta_formatted} | {scenario}', hideCursor: true, etaBuffer: 5 }, cliProgress.Presets.shades_classic)
    : null;
  bar?.start(todo.length, 0, { scenario: '' });
  let result: { rows: ScenarioResult[]; notRun: number };
  try {
    result = await runSweep(todo, {
      dir, backend, timeoutMs, force: !!o.force, memoryLimitBytes, timeBudgetMs,
      onStart: (s) => bar?.update({ scenario: scenarioId(s) }),
      onDone: (row, i) => {
        if (bar) bar.increment(1, { scenario: `${row.id} ${row.status}` });
        else log(`[${i + 1}/${todo.length}] ${row.id}: ${row.status}${row.step_ms_median !== null ? ` ${row.step_ms_median.toFixed(1)} ms` : ''}${row.reason ? ` (${row.reason})` : ''}`);
      },
    }, stop);
  } finally {
    bar?.stop();
    process.off('SIGINT', onSigint);
  }

  const order = new Map(specs.map((s, i) => [scenarioId(s), i]));
  const all = readResults(dir).sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
  writeCsv(dir, all);
  if (stop.requested) {
    console.error(`interrupted: ${all.length} of ${specs.length} scenarios are in ${dir}; resume with: lossbench bench --resume ${dir}`);
    return 130;
  }
  if (result.notRun) console.error(`time budget reached: ${result.notRun} scenarios not run; resume with: lossbench bench --resume ${dir}`);
  if (o.report) {
    try {
      const { writeReport } = await import('../report/index.js');
      await writeReport(dir);
      log(`report: ${join(dir, 'report.md')}, ${join(dir, 'report.html')}`);
    } catch (err) {
      console.error(`lossbench: report not written: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  if (o.json) console.log(JSON.stringify({ dir, rows: all }, null, 2));
  else console.log(`\n${summaryTable(all)}\n\nresults: ${dir} (${all.length} scenarios)`);
  return 0;
}

function hasCustomAxes(o: BenchOptions): boolean {
  return !!(o.loss || o.impl || o.strategy || o.batch || o.globalBatch || o.localBatch || o.world || o.dim || o.chunk);
}

function predictLinkCheck(link: string): void {
  // Unknown link names fail here, before anything runs.
  predictScenario({ loss: 'clip', impl: 'naive', strategy: 'single', n: 1, world: 1, localBatch: 1, dim: 1, chunk: 1, warmup: 0, samples: 1, timeBudgetMs: 1, seed: 0, link });
}
