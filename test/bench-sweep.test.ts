// bench end to end on wasm with tiny sizes: results.csv columns and units, the summary table, resume after
// SIGKILL (a torn last line included), and Ctrl-C.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { RESULT_COLUMNS, type ScenarioResult } from '../src/results/row.js';
import { scenarioId } from '../src/harness/spec.js';
import type { RunInfo } from '../src/results/run-info.js';

const ROOT = join(import.meta.dirname, '..');
const tmp = () => mkdtempSync(join(tmpdir(), 'lossbench-sweep-'));
const TINY = [
  '--backend',
  'wasm',
  '--dim',
  '16',
  '--chunk',
  '16',
  '--samples',
  '5',
  '--sample-time-ms',
  '5',
  '--warmup',
  '1',
  '--no-report',
];

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function start(args: string[]): { child: ChildProcess; done: Promise<Run> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'bench', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
  const done = new Promise<Run>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return { child, done };
}

const bench = (args: string[]) => start(args).done;

/** The one results folder bench made under `out`. */
function runDir(out: string): string | null {
  if (!existsSync(out)) return null;
  const dirs = readdirSync(out);
  return dirs.length === 1 ? join(out, dirs[0]!) : null;
}

function jsonlText(dir: string): string {
  const p = join(dir, 'results.jsonl');
  return existsSync(p) ? readFileSync(p, 'utf8') : '';
}

/** Every line of results.jsonl parsed; fails on a torn or malformed line. */
function jsonlRows(dir: string): ScenarioResult[] {
  const text = jsonlText(dir);
  assert.ok(text === '' || text.endsWith('\n'), 'results.jsonl ends with a whole line');
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l, i) => {
      try {
        return JSON.parse(l) as ScenarioResult;
      } catch {
        assert.fail(`results.jsonl line ${i + 1} is not JSON: ${l}`);
      }
    });
}

/** A minimal RFC 4180 reader (quoted fields, doubled quotes, newlines inside quotes). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else if (ch !== '\r') field += ch;
  }
  if (field !== '' || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/** The worker processes bench has forked (children of its pid). */
function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

async function waitFor<T>(what: string, fn: () => T | null | undefined | false, timeoutMs = 60_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() - t0 > timeoutMs) assert.fail(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/** Waits until results.jsonl has at least `lines` lines and a worker is running; returns the worker pids. */
async function midSweep(out: string, child: ChildProcess, lines: number): Promise<{ dir: string; workers: number[] }> {
  return waitFor(`${lines} results and a running worker`, () => {
    if (child.exitCode !== null) assert.fail('bench finished before it could be interrupted');
    const dir = runDir(out);
    if (!dir || jsonlText(dir).split('\n').filter(Boolean).length < lines) return null;
    const workers = childrenOf(child.pid!);
    return workers.length ? { dir, workers } : null;
  });
}

const NUMERIC_OK: (keyof ScenarioResult)[] = [
  'n',
  'world',
  'local_batch',
  'dim',
  'loss_value',
  'step_ms_median',
  'step_ms_p10',
  'step_ms_p90',
  'step_samples',
  'peak_tensor_bytes',
  'predicted_peak_bytes',
  'host_rss_peak_bytes',
  'flops',
  'achieved_flops_per_s',
  'wall_ms',
];

test('results.csv: header is RESULT_COLUMNS, units in the names, numbers in an ok row; summary printed', async () => {
  const out = tmp();
  const r = await bench([...TINY, '--out', out, '--loss', 'clip,siglip', '--impl', 'naive', '--batch', '32']);
  assert.equal(r.code, 0, r.stderr);
  const dir = runDir(out)!;
  assert.ok(dir, 'one results folder');

  const csv = parseCsv(readFileSync(join(dir, 'results.csv'), 'utf8'));
  const header: string[] = csv[0]!;
  const rows = csv.slice(1);
  assert.deepEqual([...header], RESULT_COLUMNS);
  for (const unit of [
    'step_ms_median',
    'step_ms_p10',
    'step_ms_p90',
    'peak_tensor_bytes',
    'predicted_peak_bytes',
    'device_mem_bytes',
    'host_rss_peak_bytes',
    'comm_bytes_sent',
    'comm_ms_modelled',
    'achieved_flops_per_s',
    'wall_ms',
  ])
    assert.ok(header.includes(unit), `column ${unit}`);

  assert.equal(rows.length, 2);
  const col = (row: string[], name: keyof ScenarioResult) => row[header.indexOf(name)]!;
  for (const row of rows) {
    assert.equal(row.length, header.length);
    assert.equal(col(row, 'status'), 'ok', col(row, 'reason'));
    assert.equal(col(row, 'backend'), 'wasm');
    for (const c of NUMERIC_OK) {
      const v = Number(col(row, c));
      assert.ok(col(row, c) !== '' && Number.isFinite(v), `${c} = ${JSON.stringify(col(row, c))} is a number`);
    }
    assert.equal(col(row, 'chunk'), '', 'a naive row has no tile width');
    const v = (c: keyof ScenarioResult) => Number(col(row, c));
    assert.ok(v('step_ms_p10') <= v('step_ms_median') && v('step_ms_median') <= v('step_ms_p90'), 'p10 ≤ median ≤ p90');
    assert.ok(v('step_samples') >= 5);
    // Units: milliseconds (a tiny step is well under a second, and more than a microsecond), bytes (near
    // the prediction).
    assert.ok(
      v('step_ms_median') > 0.001 && v('step_ms_median') < 1000,
      `step_ms_median ${v('step_ms_median')} is in ms`,
    );
    const ratio = v('peak_tensor_bytes') / v('predicted_peak_bytes');
    assert.ok(ratio > 0.5 && ratio < 2, `peak_tensor_bytes / predicted_peak_bytes = ${ratio}`);
    assert.ok(v('host_rss_peak_bytes') > 2 ** 20, 'host RSS in bytes');
    assert.ok(
      Math.abs(v('achieved_flops_per_s') - v('flops') / (v('step_ms_median') / 1000)) <=
        1e-6 * v('achieved_flops_per_s'),
    );
    for (const c of ['comm_bytes_sent', 'comm_ms_modelled', 'reason'] as const)
      assert.equal(col(row, c), '', `${c} is empty for one device`);
  }
  assert.deepEqual(
    rows.map((row) => col(row, 'id')),
    ['clip/naive/single/N32/W1/D16', 'siglip/naive/single/N32/W1/D16'],
  );
  // results.jsonl holds the same rows.
  assert.deepEqual(
    jsonlRows(dir).map((x) => x.id),
    rows.map((row) => col(row, 'id')),
  );

  // The summary table, on stdout.
  assert.match(
    r.stdout,
    /^loss\s+impl\s+strategy\s+N\s+W\s+D\s+c\s+status\s+step \(p10–p90\)\s+peak tensors\s+predicted/m,
  );
  assert.match(r.stdout, /^clip\s+naive\s+single\s+32\s+1\s+16\s+-\s+ok\s+\d/m);
  assert.match(r.stdout, /^siglip\s+naive\s+single\s+32\s+1\s+16\s+-\s+ok\s+\d/m);
  assert.match(r.stdout, /comm is modelled/);
  assert.match(r.stdout, /results: .* \(2 scenarios\)/);
  const info = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as RunInfo;
  assert.equal(info.backend, 'wasm');
  assert.equal(info.config.scenarios.length, 2);
});

test('resume after SIGKILL mid-sweep: every scenario exactly once, a torn last line cut and re-run', async () => {
  const out = tmp();
  const { child, done } = start([
    ...TINY,
    '--out',
    out,
    '--json',
    '--loss',
    'clip,siglip',
    '--impl',
    'naive',
    '--batch',
    '32,64,128',
  ]);
  const { dir, workers } = await midSweep(out, child, 2);
  child.kill('SIGKILL');
  const killed = await done;
  assert.equal(killed.signal, 'SIGKILL');
  // The worker notices the parent is gone (IPC disconnect) and exits.
  for (const pid of workers) await waitFor(`worker ${pid} to exit`, () => !alive(pid), 15_000);

  const info = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as RunInfo;
  const ids = info.config.scenarios.map(scenarioId);
  assert.equal(ids.length, 6);
  const before = jsonlRows(dir);
  assert.ok(before.length >= 2 && before.length < 6, `${before.length} of 6 finished before the kill`);
  // A torn line: the start of a row for a scenario not yet done, as a crash mid-write would leave.
  const torn = ids.find((id) => !before.some((r) => r.id === id))!;
  appendFileSync(join(dir, 'results.jsonl'), JSON.stringify({ ...before[0], id: torn }).slice(0, 120));

  const resumed = await bench(['--resume', dir, '--json', '--no-report']);
  assert.equal(resumed.code, 0, resumed.stderr);
  const rows = jsonlRows(dir);
  assert.deepEqual(rows.map((r) => r.id).sort(), [...ids].sort(), 'every scenario exactly once');
  assert.deepEqual(rows.slice(0, before.length), before, 'rows from before the kill are kept as they were');
  const tornRow = rows.find((r) => r.id === torn)!;
  assert.equal(tornRow.status, 'ok');
  assert.equal(typeof tornRow.step_ms_median, 'number', 'the torn scenario was run again');
  assert.ok(
    rows.every((r) => r.status === 'ok'),
    rows.map((r) => `${r.id} ${r.status} ${r.reason}`).join('\n'),
  );
  // --json prints the rows too, in the sweep's order.
  assert.deepEqual(
    (JSON.parse(resumed.stdout) as { rows: ScenarioResult[] }).rows.map((r) => r.id),
    ids,
  );

  const csv = parseCsv(readFileSync(join(dir, 'results.csv'), 'utf8'));
  assert.deepEqual(csv[0], RESULT_COLUMNS);
  assert.deepEqual(
    csv.slice(1).map((r) => r[0]),
    ids,
    'one CSV row per scenario, in the sweep order',
  );

  // Resuming a finished sweep runs nothing.
  const again = await bench(['--resume', dir, '--no-report']);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /6 scenarios, 6 done before, 0 to run/);
  assert.equal(jsonlRows(dir).length, 6);
});

test('SIGINT: exit 130, the --resume command on stderr, the worker killed, no torn line', async () => {
  const out = tmp();
  const { child, done } = start([
    ...TINY,
    '--out',
    out,
    '--loss',
    'clip,siglip',
    '--impl',
    'naive,chunked',
    '--batch',
    '32',
  ]);
  const { dir, workers } = await midSweep(out, child, 1);
  child.kill('SIGINT');
  const r = await done;
  assert.equal(r.code, 130, r.stderr);
  assert.match(r.stderr, /interrupted: \d of 4 scenarios are in .*; resume with: lossbench bench --resume /);
  assert.ok(r.stderr.includes(`--resume ${dir}`));
  for (const pid of workers) assert.ok(!alive(pid), `worker ${pid} was killed`);
  const rows = jsonlRows(dir);
  assert.ok(rows.length >= 1 && rows.length < 4, `${rows.length} rows`);
  assert.ok(
    rows.every((x) => x.status === 'ok'),
    'the interrupted scenario is not recorded as a failure',
  );
  // results.csv is written with what finished.
  assert.equal(parseCsv(readFileSync(join(dir, 'results.csv'), 'utf8')).length, 1 + rows.length);
});
