// Input that was dropped or bent silently (issue 19 item 9) is now used or refused, through the CLI:
// one line on stderr, exit 2, before any work.
import { resolveLink } from '../src/model/comm.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './helpers/run-cli.js';
import { chooseEngine } from '../src/cli/engine-options.js';
import { buildScenarios } from '../src/harness/grid.js';
import { UsageError } from '../src/util/errors.js';

const FIX = join(import.meta.dirname, 'fixtures', 'report');
const tmp = () => mkdtempSync(join(tmpdir(), 'lossbench-inputs-'));

function cli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

function assertRefused(r: { code: number | null; err: string }, message: RegExp): void {
  assert.equal(r.code, 2, r.err);
  const lines = r.err.trim().split('\n');
  assert.equal(lines.length, 1, `one line: ${r.err}`);
  assert.match(lines[0]!, message);
}

test('bench refuses, before any work: fields beside "preset", a W that N does not divide, odd ranges', async () => {
  const dir = tmp();
  const config = join(dir, 'sweep.json');
  writeFileSync(config, JSON.stringify({ preset: 'smoke', losses: ['nope'] }));
  const out = join(dir, 'out');
  const base = ['bench', '--backend', 'wasm', '--out', out, '--no-report'];
  const cases: [string[], RegExp][] = [
    [[...base, '--config', config], /^lossbench: config .*"preset" stands alone .*"losses", which would be ignored/],
    [
      [...base, '--strategy', 'ring', '--world', '2,3', '--global-batch', '64', '--dim', '16', '--chunk', '16'],
      /^lossbench: batch: N = 64 is not divisible by world 3: .*multiple of every W/,
    ],
    [
      [...base, '--batch', '3..100', '--dim', '16'],
      /^lossbench: batch: a range runs over powers of two .*3 is not one/,
    ],
    [
      [...base, '--loss', 'siglip', '--strategy', 'allgather-local', '--world', '2', '--local-batch', '8'],
      /^lossbench: strategy: allgather-local is CLIP's strategy, .*SigLIP's are single, allgather, ring, ring-bidir$/,
    ],
  ];
  const runs = await Promise.all(cases.map(([args]) => cli(args)));
  runs.forEach((r, i) => assertRefused(r, cases[i]![1]));
});

test('report --baseline of another engine says so (exit 2) instead of "0 regressed"', async () => {
  const root = tmp();
  const [base, cur] = [join(root, 'base'), join(root, 'cur')];
  cpSync(join(FIX, 'runA'), base, { recursive: true });
  cpSync(join(FIX, 'runA'), cur, { recursive: true });
  const info = JSON.parse(readFileSync(join(base, 'run.json'), 'utf8'));
  writeFileSync(join(base, 'run.json'), JSON.stringify({ ...info, engine: 'torch', torch: { dtype: 'fp32' } }));
  assertRefused(
    await cli(['report', cur, '--baseline', base]),
    /^lossbench: baseline: .*base was measured with wasm torch fp32 and .*cur with cpu-wasm tfjs; a regression check needs/,
  );
});

test('compare: a torn line is reported, an empty run is named as empty', async () => {
  const root = tmp();
  const [a, b, empty] = [join(root, 'a'), join(root, 'b'), join(root, 'empty')];
  for (const d of [a, b, empty]) cpSync(join(FIX, 'runA'), d, { recursive: true });
  appendFileSync(join(b, 'results.jsonl'), '{"id":"clip/naive/sin');
  writeFileSync(join(empty, 'results.jsonl'), '');
  const torn = await cli(['compare', a, b, '--out', join(root, 'cmp')]);
  assert.equal(torn.code, 0, torn.err);
  assert.match(torn.err, /^warning: .*b[/\\]results\.jsonl line \d+: torn last line ignored/m);
  assert.match(readFileSync(join(root, 'cmp', 'compare.md'), 'utf8'), /torn last line ignored/);
  assertRefused(
    await cli(['compare', a, empty, '--out', join(root, 'cmp2')]),
    /^lossbench: .*empty has no scenario in results\.jsonl \(an empty run\): nothing to compare/,
  );
});

test('flags and config fields that would be ignored are refused', async () => {
  const refused = (f: () => unknown, message: RegExp) =>
    assert.throws(f, (e: unknown) => e instanceof UsageError && message.test(e.message));
  refused(
    () => chooseEngine({}, { device: 'cuda' }),
    /^config: "device" set the torch engine's device, but this run is on tfjs/,
  );
  refused(() => chooseEngine({ engine: 'tfjs' }, { dtype: 'bf16' }), /"dtype" .* add "engine": "torch"/);
  assert.equal(chooseEngine({ engine: 'tfjs' }, { engine: 'torch', device: 'cpu' }).engine, 'tfjs');
  const dir = tmp();
  const config = join(dir, 'sweep.json');
  writeFileSync(config, JSON.stringify({ preset: 'smoke' }));
  refused(
    () => buildScenarios({ link: resolveLink('nvlink4'), config, preset: 'quick' }, 'quick'),
    /^preset: give --preset or --config, not both/,
  );
  const run = join(dir, 'run');
  cpSync(join(FIX, 'runA'), run, { recursive: true });
  const [tolerance, out] = await Promise.all([
    cli(['report', run, '--time-tolerance', '2']),
    cli(['bench', '--resume', run, '--out', join(dir, 'elsewhere')]),
  ]);
  assertRefused(tolerance, /^lossbench: --time-tolerance: only with --baseline <dir>$/);
  assertRefused(out, /^lossbench: resume: the sweep, backend and link come from run\.json; drop --out$/);
});
