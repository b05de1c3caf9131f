// A scenario that crashes, exits, passes --memory-limit or --timeout is recorded and the sweep goes on;
// one predicted not to fit is `skipped` without a child (and --force runs it).
// Crashes are injected with the worker's LOSSBENCH_FAULT hook (src/harness/worker.ts).
import { resolveLink } from '../src/model/comm.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBenchCli } from './helpers/run-cli.js';
import type { BackendReady } from '../src/engine/backend.js';
import type { ScenarioResult } from '../src/results/row.js';
import { runScenario, type SweepOptions } from '../src/harness/runner.js';
import { predictScenario } from '../src/model/predict.js';
import { scenarioId, type ScenarioSpec } from '../src/harness/spec.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'lossbench-faults-'));
const TINY = ['--backend', 'wasm', '--samples', '5', '--sample-time-ms', '5', '--warmup', '1', '--no-report', '--json'];
const MiB = 2 ** 20;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  rows: ScenarioResult[];
  jsonl: ScenarioResult[];
}

async function bench(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const out = tmp();
  const { code, stdout, stderr } = await runBenchCli(['--out', out, ...args], { env, timeoutMs: 90_000 });
  const dirs = existsSync(out) ? readdirSync(out) : [];
  const jsonlPath = dirs.length === 1 ? join(out, dirs[0]!, 'results.jsonl') : '';
  const jsonl =
    jsonlPath && existsSync(jsonlPath)
      ? readFileSync(jsonlPath, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as ScenarioResult)
      : [];
  let rows: ScenarioResult[] = [];
  try {
    rows = (JSON.parse(stdout) as { rows: ScenarioResult[] }).rows;
  } catch {
    /* asserted by the caller through code/stderr */
  }
  return { code, stdout, stderr, rows, jsonl };
}

const byId = (rows: ScenarioResult[]) => new Map(rows.map((r) => [r.id, r]));
const explain = (rows: ScenarioResult[]) => rows.map((r) => `${r.id}: ${r.status} ${r.reason}`).join('\n');

test('a worker that aborts or exits is recorded as error, and the next scenario runs', async () => {
  const ids = [32, 64, 128].map((n) => `clip/naive/single/N${n}/W1/D16`);
  const r = await bench(
    [...TINY, '--loss', 'clip', '--impl', 'naive', '--batch', '32,64,128', '--dim', '16', '--chunk', '16'],
    { LOSSBENCH_FAULT: `crash:${ids[0]},exit:${ids[2]}` },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(
    r.jsonl.map((x) => x.id),
    ids,
    'every scenario recorded, in order',
  );
  const rows = byId(r.rows);
  const crashed = rows.get(ids[0]!)!;
  assert.equal(crashed.status, 'error', explain(r.rows));
  assert.match(crashed.reason, /^worker killed by SIGABRT/);
  assert.ok(!/\d+: 0x|----- /.test(crashed.reason), `no stack frames in the reason: ${crashed.reason}`);
  assert.equal(crashed.step_ms_median, null);
  assert.equal(crashed.backend, 'wasm');
  assert.ok(crashed.predicted_peak_bytes! > 0, 'the prediction is kept beside a failure');
  const next = rows.get(ids[1]!)!;
  assert.equal(next.status, 'ok', explain(r.rows));
  assert.equal(typeof next.step_ms_median, 'number');
  const exited = rows.get(ids[2]!)!;
  assert.equal(exited.status, 'error');
  assert.equal(exited.reason, 'worker exited with code 3');
});

test('--memory-limit: a scenario whose RSS passes it is killed and recorded oom, a tiny one stays ok', async () => {
  // The worker's own baseline (tsx, tfjs, wasm) first, so the limit sits well above it on any machine.
  const dir = tmp();
  const backend: BackendReady = {
    name: 'wasm',
    deviceName: 'test',
    notes: [],
    maxTensorBytes: 2 ** 31,
    sync: async () => {},
  };
  const opts: SweepOptions = {
    dir,
    backend,
    timeoutMs: 60_000,
    force: false,
    memoryLimitBytes: null,
    timeBudgetMs: null,
  };
  const tiny = await runScenario(spec('clip', 'naive', 32, 64, 64), opts);
  assert.equal(tiny.status, 'ok', tiny.reason);
  const baseline = tiny.host_rss_peak_bytes!;
  assert.ok(baseline > 20 * MiB && baseline < 2048 * MiB, `worker baseline RSS ${baseline}`);
  // clip naive N = 2048, D = 64 holds ~310 MiB of tensors on top of the baseline.
  const bigSpec = spec('clip', 'naive', 2048, 64, 64);
  assert.ok(predictScenario(bigSpec).peakBytes > 250 * MiB);
  const limitBytes = baseline + 128 * MiB;
  const gb = (limitBytes / 2 ** 30).toFixed(4);

  const r = await bench([
    ...TINY,
    '--loss',
    'clip',
    '--impl',
    'naive',
    '--batch',
    '32,2048',
    '--dim',
    '64',
    '--chunk',
    '64',
    '--memory-limit',
    gb,
  ]);
  assert.equal(r.code, 0, r.stderr);
  const rows = byId(r.jsonl);
  const small = rows.get('clip/naive/single/N32/W1/D64')!;
  const big = rows.get(scenarioId(bigSpec))!;
  assert.equal(small.status, 'ok', explain(r.jsonl));
  assert.ok(small.host_rss_peak_bytes! < Number(gb) * 2 ** 30);
  assert.equal(big.status, 'oom', explain(r.jsonl));
  assert.match(big.reason, /^host RSS \d+ bytes passed --memory-limit \d+ bytes$/);
  const [, rss, limit] = /RSS (\d+) .* (\d+) bytes$/.exec(big.reason)!.map(Number);
  assert.ok(rss! > limit!);
  assert.equal(limit, Math.floor(Number(gb) * 2 ** 30), 'the limit in bytes, as given in GiB');
  assert.ok(big.host_rss_peak_bytes! > limit!, 'the RSS peak seen is recorded');
  assert.equal(big.step_ms_median, null);
});

test('--timeout: a scenario that needs longer is recorded timeout', async () => {
  // clip naive N = 2048, D = 64 takes several seconds on wasm; the limit is 1 s.
  const r = await bench([
    ...TINY,
    '--loss',
    'clip',
    '--impl',
    'naive',
    '--batch',
    '2048',
    '--dim',
    '64',
    '--chunk',
    '64',
    '--timeout',
    '1',
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.jsonl.length, 1);
  const row = r.jsonl[0]!;
  assert.equal(row.status, 'timeout', explain(r.jsonl));
  assert.equal(row.reason, 'no result within 1000 ms (--timeout)');
  assert.ok(row.wall_ms >= 1000 && row.wall_ms < 10_000, `wall_ms ${row.wall_ms}`);
});

function spec(loss: 'clip' | 'siglip', impl: 'naive' | 'chunked', n: number, dim: number, chunk: number): ScenarioSpec {
  return {
    loss,
    impl,
    strategy: 'single',
    n,
    world: 1,
    localBatch: n,
    dim,
    chunk: impl === 'naive' ? null : chunk,
    warmup: 1,
    samples: 5,
    timeBudgetMs: 5,
    seed: 1,
    link: resolveLink('nvlink4'),
  };
}

test('a scenario predicted not to fit is skipped with the predicted bytes, without a child', async () => {
  // N = 2^20 naive: 4·N² bytes of logits alone, far beyond any host. The cpu backend has no binding limit,
  // so the memory check (not the `limit` one) decides.
  const huge = spec('clip', 'naive', 2 ** 20, 16, 16);
  const predicted = Math.round(predictScenario(huge).peakBytes);
  assert.ok(predicted > 4 * os.totalmem());
  const r = await bench([
    ...TINY,
    '--backend',
    'cpu',
    '--loss',
    'clip',
    '--impl',
    'naive',
    '--batch',
    String(2 ** 20),
    '--dim',
    '16',
    '--chunk',
    '16',
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.jsonl.length, 1);
  const row = r.jsonl[0]!;
  assert.equal(row.status, 'skipped');
  assert.equal(row.predicted_peak_bytes, predicted);
  assert.match(row.reason, /^predicted peak \d+ bytes > available \d+ bytes \(--force runs it\)$/);
  assert.equal(Number(/^predicted peak (\d+)/.exec(row.reason)![1]), predicted);
  assert.equal(row.host_rss_peak_bytes, null, 'no child ran');
  assert.ok(row.wall_ms < 200, `no child ran (wall_ms ${row.wall_ms})`);
});

test('--force starts a child for a scenario predicted not to fit', async (t) => {
  // Run at the function level with the worker made to exit right after choosing its backend: proof that a
  // child was started, without allocating anything.
  const huge = spec('clip', 'naive', 2 ** 20, 16, 16);
  const dir = tmp();
  const backend: BackendReady = {
    name: 'cpu',
    deviceName: 'test',
    notes: [],
    maxTensorBytes: null,
    sync: async () => {},
  };
  const opts: SweepOptions = {
    dir,
    backend,
    timeoutMs: 60_000,
    force: false,
    memoryLimitBytes: null,
    timeBudgetMs: null,
  };
  const saved = process.env.LOSSBENCH_FAULT;
  process.env.LOSSBENCH_FAULT = `exit:${scenarioId(huge)}`;
  t.after(() => {
    if (saved === undefined) delete process.env.LOSSBENCH_FAULT;
    else process.env.LOSSBENCH_FAULT = saved;
  });
  const skipped = await runScenario(huge, opts);
  assert.equal(skipped.status, 'skipped');
  const forced = await runScenario(huge, { ...opts, force: true });
  assert.equal(forced.status, 'error');
  assert.equal(forced.reason, 'worker exited with code 3', 'the worker ran (and was stopped by the fault hook)');
});
