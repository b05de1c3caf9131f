// bench: bad input is a UsageError naming the field (function level) and, on the command line, exit code 2
// with exactly one `lossbench:` line on stderr and no stack trace.
import { resolveLink } from '../src/model/comm.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBenchCli, type CliRun } from './helpers/run-cli.js';
import { UsageError } from '../src/util/errors.js';
import { scenarioId, validateSpec, type ScenarioSpec } from '../src/harness/spec.js';
import { buildScenarios, loadConfig, parseSizes, presetSweeps, type SweepFlags } from '../src/harness/grid.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'lossbench-validation-'));

const good: ScenarioSpec = {
  loss: 'clip',
  impl: 'naive',
  strategy: 'single',
  n: 64,
  world: 1,
  localBatch: 64,
  dim: 16,
  chunk: null,
  warmup: 1,
  samples: 5,
  timeBudgetMs: 5,
  seed: 1,
  link: resolveLink('nvlink4'),
};

/** Asserts that fn throws a UsageError whose message starts with (or contains) the field's name. */
function throwsUsage(fn: () => unknown, field: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof UsageError, `expected a UsageError, got ${String(err)}`);
    assert.match(err.message, field);
    assert.ok(!err.message.includes('\n'), `one line: ${JSON.stringify(err.message)}`);
    return true;
  });
}

test('validateSpec: a good spec passes unchanged', () => {
  assert.deepEqual(validateSpec({ ...good }), good);
  // naive has no tile width: an older run.json's number is dropped, and its id has no c segment
  assert.equal(validateSpec({ ...good, chunk: 16 }).chunk, null);
  assert.equal(scenarioId(good), 'clip/naive/single/N64/W1/D16');
  assert.equal(scenarioId({ ...good, impl: 'chunked', chunk: 16 }), 'clip/chunked/single/N64/W1/D16/c16');
});

test('validateSpec: bad fields are UsageErrors that name the field', () => {
  const cases: [Partial<ScenarioSpec> & Record<string, unknown>, RegExp][] = [
    [{ n: 0, localBatch: 0 }, /^local-batch: expected a positive integer, got 0/],
    [{ n: 0 }, /^batch: expected a positive integer, got 0/],
    [{ n: -64, localBatch: -64 }, /^local-batch: .*-64/],
    [{ n: 63.5, localBatch: 63.5 }, /^local-batch: expected a positive integer, got 63.5/],
    [{ impl: 'chunked', chunk: 0 }, /^chunk: expected a positive integer, got 0/],
    [{ impl: 'chunked', chunk: null }, /^chunk: expected a positive integer, got null/],
    [{ dim: 1.5 }, /^dim: /],
    [{ loss: 'infonce' as never }, /^loss: expected one of clip, siglip, got "infonce"/],
    [{ impl: 'fast' as never }, /^impl: expected one of/],
    [{ strategy: 'ring-bidir' }, /^strategy \(for clip\): expected one of/],
    [{ strategy: 'ring', world: 3, localBatch: 21, n: 64 }, /^batch: N = 64 is not world × local-batch = 3 × 21/],
    [{ world: 2, localBatch: 32, n: 64 }, /^world: strategy 'single' runs on one device/],
    [{ samples: 0 }, /^samples: /],
    [{ warmup: -1 }, /^warmup: /],
    [{ timeBudgetMs: 0 }, /^time-budget-ms: /],
    [{ link: 'carrier-pigeon' as never }, /^link: expected one of nvlink4/],
    [{ link: { name: 'x', bytesPerSecond: 0, latencyS: 0 } }, /^link: expected a preset name or \{name/],
    [{ link: { name: 'x', bytesPerSecond: 1e9, latencyS: -1 } }, /^link: /],
  ];
  for (const [bad, field] of cases) throwsUsage(() => validateSpec({ ...good, ...bad } as ScenarioSpec), field);
});

test('a spec carries its link as an object: a custom one whole, a preset name (older run.json) resolved', () => {
  const custom = resolveLink('nvlink4', { gbps: 25, latencyUs: 7 });
  assert.deepEqual(validateSpec({ ...good, link: custom }).link, custom);
  assert.equal(custom.bytesPerSecond, 25e9);
  assert.equal(custom.latencyS, 7e-6);
  assert.deepEqual(validateSpec({ ...good, link: 'pcie5' as never }).link, resolveLink('pcie5'));
  const specs = buildScenarios(flags({ link: custom, strategy: 'ring', world: '2', batch: '32' }), 'quick');
  assert.ok(specs.length > 0);
  for (const s of specs) assert.deepEqual(s.link, custom);
});

const flags = (f: Partial<SweepFlags>): SweepFlags => ({
  link: resolveLink('nvlink4'),
  loss: 'clip',
  impl: 'naive',
  batch: '32',
  dim: '16',
  chunk: '16',
  ...f,
});

test('buildScenarios: a naive scenario runs once, whatever the tile widths; chunked once per width', () => {
  const specs = buildScenarios(flags({ batch: '32', impl: 'naive,chunked', chunk: '8,16' }), 'quick');
  assert.deepEqual(
    specs.map((s) => `${s.impl}/c${s.chunk}`),
    ['naive/cnull', 'chunked/c8', 'chunked/c16'],
  );
});

test('buildScenarios: bad flags are UsageErrors that name the flag', () => {
  assert.equal(buildScenarios(flags({ batch: '32,64', impl: 'naive,chunked' }), 'quick').length, 4);
  throwsUsage(() => buildScenarios(flags({ batch: '0' }), 'quick'), /^batch: expected a positive integer, got "0"/);
  throwsUsage(() => buildScenarios(flags({ batch: '-32' }), 'quick'), /^batch: /);
  throwsUsage(() => buildScenarios(flags({ batch: '32.5' }), 'quick'), /^batch: /);
  throwsUsage(() => buildScenarios(flags({ batch: '32,,64' }), 'quick'), /^batch: expected a list/);
  throwsUsage(() => buildScenarios(flags({ batch: '64..32' }), 'quick'), /^batch: range 64..32 runs backwards/);
  throwsUsage(() => buildScenarios(flags({ chunk: '0' }), 'quick'), /^chunk: /);
  throwsUsage(() => buildScenarios(flags({ dim: 'x' }), 'quick'), /^dim: /);
  throwsUsage(
    () => buildScenarios(flags({ loss: 'clip,infonce' }), 'quick'),
    /^loss: expected one of clip, siglip, got "infonce"/,
  );
  throwsUsage(() => buildScenarios(flags({ impl: 'flash' }), 'quick'), /^impl: /); // fused is a name (webgpu only)
  throwsUsage(() => buildScenarios(flags({ strategy: 'tree', world: '2' }), 'quick'), /^strategy: /);
  throwsUsage(
    () => buildScenarios({ link: resolveLink('nvlink4'), preset: 'huge' }, 'quick'),
    /^preset: expected one of smoke, quick, quick-torch, paper, full, got "huge"/,
  );
  throwsUsage(() => buildScenarios(flags({ world: '2' }), 'quick'), /^strategy: --world needs --strategy/);
  throwsUsage(
    () => buildScenarios(flags({ strategy: 'ring', world: '3', batch: '64' }), 'quick'),
    /^batch: N = 64 is not divisible by world 3/,
  );
  throwsUsage(() => buildScenarios(flags({ batch: '64', localBatch: '32' }), 'quick'), /^batch: give one of/);
  // --local-batch makes any N = W·b valid.
  const ring = buildScenarios(flags({ strategy: 'ring', world: '3', batch: undefined, localBatch: '21' }), 'quick');
  assert.deepEqual(
    ring.map((s) => [s.n, s.world, s.localBatch]),
    [[63, 3, 21]],
  );
  // A strategy the loss lacks selects nothing for it: that is an error only when nothing is left.
  throwsUsage(
    () => buildScenarios(flags({ strategy: 'ring-bidir', world: '2' }), 'quick'),
    /^strategy: ring-bidir is SigLIP's strategy, and this sweep's losses are clip: CLIP's are single, allgather-global/,
  );
  throwsUsage(() => presetSweeps('nope'), /^preset: /);
  assert.deepEqual(parseSizes('batch', '256..2048'), [256, 512, 1024, 2048]);
});

test('input is used or refused, never dropped or bent silently (issue 19 item 9, issue 16 item 7)', () => {
  // A strategy of the other loss: says whose it is and lists the sweep's loss's own.
  throwsUsage(
    () =>
      buildScenarios(
        flags({ loss: 'siglip', strategy: 'allgather-local', world: '2', batch: undefined, localBatch: '8' }),
        'q',
      ),
    /^strategy: allgather-local is CLIP's strategy, .*SigLIP's are single, allgather, ring, ring-bidir$/,
  );
  throwsUsage(
    () =>
      buildScenarios(
        flags({ loss: 'clip', strategy: 'siglip/ring', world: '2', batch: undefined, localBatch: '8' }),
        'q',
      ),
    /^strategy: siglip\/ring is SigLIP's strategy/,
  );
  // A strategy one of two losses has still runs for that one.
  const bidir = buildScenarios(
    flags({ loss: 'clip,siglip', strategy: 'ring-bidir', world: '2', batch: undefined, localBatch: '8' }),
    'q',
  );
  assert.deepEqual(distinctLosses(bidir), ['siglip']);
  // N that one W of several does not divide: refused, not run at the others only.
  throwsUsage(
    () => buildScenarios(flags({ strategy: 'ring', world: '2,3', batch: undefined, globalBatch: '64' }), 'q'),
    /^batch: N = 64 is not divisible by world 3: .*give N a multiple of every W, or --local-batch/,
  );
  // Ranges are powers of two: an end that is not one is refused.
  throwsUsage(() => parseSizes('batch', '3..100'), /^batch: a range runs over powers of two .* 3 is not one/);
  throwsUsage(() => parseSizes('batch', '256..1000'), /1000 is not one; give powers of two, or a list/);
  // Every preset builds whole (nothing dropped).
  for (const preset of ['smoke', 'quick', 'paper', 'full'])
    buildScenarios({ link: resolveLink('nvlink4'), preset }, 'quick');
});

const distinctLosses = (specs: ScenarioSpec[]) => [...new Set(specs.map((s) => s.loss))];

test('loadConfig: malformed files are UsageErrors that name the file and field', () => {
  const dir = tmp();
  const file = (name: string, text: string) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  throwsUsage(() => loadConfig(join(dir, 'missing.json')), /^config .*missing\.json: cannot be read/);
  throwsUsage(() => loadConfig(file('bad.json', '{"losses": ["clip"],\n')), /^config .*bad\.json: not valid JSON/);
  throwsUsage(() => loadConfig(file('array.json', '[1, 2]')), /^config .*: expected a JSON object/);
  throwsUsage(
    () => loadConfig(file('unknown.json', '{"losses": ["clip"], "batches": [64], "batchsize": 3}')),
    /: unknown field "batchsize"/,
  );
  throwsUsage(() => loadConfig(file('type1.json', '{"batches": "64"}')), /: batches must be a non-empty array/);
  throwsUsage(
    () => loadConfig(file('type2.json', '{"batches": [64], "samples": "5"}')),
    /: samples must be an integer ≥ 1, got "5"/,
  );
  throwsUsage(
    () => loadConfig(file('type3.json', '{"batches": [64], "dims": [0]}')),
    /: dims: expected a positive integer, got 0/,
  );
  throwsUsage(
    () => loadConfig(file('loss.json', '{"batches": [64], "losses": ["infonce"]}')),
    /: losses: expected one of clip, siglip/,
  );
  throwsUsage(
    () => loadConfig(file('batchis.json', '{"batches": [64], "batchIs": "both"}')),
    /: batchIs: expected one of global, local/,
  );
  throwsUsage(() => loadConfig(file('preset.json', '{"preset": "huge"}')), /^preset: /);
  // Fields beside "preset" or "sweeps" would be ignored: refused.
  throwsUsage(
    () => loadConfig(file('beside.json', '{"preset": "smoke", "losses": ["nope"]}')),
    /beside\.json: "preset" stands alone .* also has "losses", which would be ignored/,
  );
  throwsUsage(
    () => loadConfig(file('beside2.json', '{"sweeps": [{"batches": [64]}], "dims": [16]}')),
    /"sweeps" stands alone .* also has "dims".*move them into each sweep/,
  );
  throwsUsage(() => loadConfig(file('sweeps0.json', '{"sweeps": []}')), /sweeps must be a non-empty array/);
  assert.equal(loadConfig(file('engine.json', '{"preset": "smoke", "engine": "tfjs"}')).length, 2);
  throwsUsage(
    () => loadConfig(file('sweeps.json', '{"sweeps": [{"batches": [64]}, {"batches": [64], "chunk": [16]}]}')),
    /sweeps\[1\]: unknown field "chunk"/,
  );
  // A good file, for contrast.
  const ok = loadConfig(
    file(
      'ok.json',
      '{"losses": ["siglip"], "impls": ["chunked"], "batches": [32, 64], "dims": [16], "chunks": [16], "samples": 5}',
    ),
  );
  assert.equal(ok.length, 1);
  assert.deepEqual(ok[0]!.batches, [32, 64]);
});

type Run = CliRun;
const cli = (args: string[]) => runBenchCli(args, { timeoutMs: 60_000 });

test('bench CLI: bad input exits 2 with one lossbench: line and no stack trace', async () => {
  const dir = tmp();
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, 'nope{\n"losses": 1');
  const unknown = join(dir, 'unknown.json');
  writeFileSync(unknown, JSON.stringify({ losses: ['clip'], batches: [64], batch_size: 3 }));
  const wrongType = join(dir, 'type.json');
  writeFileSync(wrongType, JSON.stringify({ losses: 'clip', batches: [64] }));
  const out = join(dir, 'out');
  const tiny = ['--backend', 'wasm', '--out', out, '--no-report', '--dim', '16', '--chunk', '16'];
  const cases: [string[], RegExp][] = [
    [[...tiny, '--batch', '0'], /^lossbench: batch: expected a positive integer, got "0"$/],
    [[...tiny, '--batch', '-64'], /^lossbench: batch: /],
    [[...tiny, '--batch', '64.5'], /^lossbench: batch: /],
    [[...tiny, '--batch', '64', '--chunk', '0'], /^lossbench: chunk: /],
    [[...tiny, '--batch', '64', '--loss', 'infonce'], /^lossbench: loss: expected one of clip, siglip/],
    [['--backend', 'wasm', '--out', out, '--preset', 'huge'], /^lossbench: preset: expected one of/],
    [['--backend', 'wasm', '--out', out, '--config', bad], /^lossbench: config .*bad\.json: not valid JSON/],
    [['--backend', 'wasm', '--out', out, '--config', unknown], /^lossbench: config .*: unknown field "batch_size"/],
    [
      ['--backend', 'wasm', '--out', out, '--config', wrongType],
      /^lossbench: config .*: losses must be a non-empty array/,
    ],
    [
      [...tiny, '--batch', '64', '--strategy', 'ring', '--world', '3'],
      /^lossbench: batch: N = 64 is not divisible by world 3/,
    ],
    [[...tiny, '--batch', '64', '--world', '2'], /^lossbench: strategy: --world needs --strategy/],
    [
      ['--backend', 'tpu', '--out', out],
      /^lossbench: backend: expected one of auto, tensorflow, webgpu, wasm, cpu, got "tpu"$/,
    ],
    [[...tiny, '--batch', '64', '--timeout', '0'], /^lossbench: timeout: /],
    [[...tiny, '--batch', '64', '--memory-limit', 'lots'], /^lossbench: memory-limit: /],
    [[...tiny, '--batch', '64', '--bogus-flag'], /^lossbench: unknown option '--bogus-flag'/],
    [[...tiny, '--batch', '1e3'], /^lossbench: batch: expected a positive integer, got "1e3"$/],
    [[...tiny, '--batch', '64', '--warmup', 'abc'], /^lossbench: warmup: expected a non-negative integer, got "abc"$/],
    [[...tiny, '--batch', '64', '--link-gbps', '0'], /^lossbench: link-gbps: expected a positive number, got "0"$/],
    // --backend auto probes the backends (Dawn prints to stderr); flags are checked before that.
    [['--out', out, '--batch', '0'], /^lossbench: batch: expected a positive integer, got "0"$/],
    [
      ['--out', out, '--resume', out, '--batch', '64'],
      /^lossbench: resume: the sweep, backend and link come from run\.json; drop --batch, --out$/,
    ],
    // An --out that cannot be made: one line at once (Node's recursive mkdir loops forever under /proc).
    [
      [...tiny, '--batch', '64', '--out', join(bad, 'sub')],
      /^lossbench: out: cannot make the folder .*bad\.json\/sub: .*bad\.json is not a folder$/,
    ],
    ...(existsSync('/proc/self')
      ? [
          [
            [...tiny, '--batch', '64', '--out', '/proc/lossbench-x'],
            /^lossbench: out: cannot make the folder \/proc\/lossbench-x: mkdir \/proc\/lossbench-x failed \(ENOENT\)$/,
          ] as [string[], RegExp],
        ]
      : []),
  ];
  // Two at a time: each child loads tfjs, and there are two cores.
  const results: Run[] = new Array(cases.length);
  let next = 0;
  await Promise.all(
    [0, 1].map(async () => {
      while (next < cases.length) {
        const i = next++;
        results[i] = await cli(cases[i]![0]);
      }
    }),
  );
  for (const [i, [args, want]] of cases.entries()) {
    const r = results[i]!;
    const what = `bench ${args.join(' ')}`;
    assert.equal(r.code, 2, `${what}: exit code (stderr: ${r.stderr})`);
    const lines = r.stderr.split('\n').filter((l) => l !== '');
    assert.equal(lines.length, 1, `${what}: one line on stderr, got ${JSON.stringify(r.stderr)}`);
    assert.match(lines[0]!, want, what);
    assert.ok(!r.stderr.includes('    at '), `${what}: no stack trace`);
    assert.equal(r.stdout, '', `${what}: nothing on stdout`);
  }
  // Nothing ran, so no results folder was made.
  assert.ok(!existsSync(out) || readdirSync(out).length === 0);
});
