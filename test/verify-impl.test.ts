// `verify` on wasm covers the hard inputs (t = 100 on correlated pairs, duplicate rows, ragged tiles), the
// textbook CLIP's finding said as such. `verify --impl`: tfjs verifies lossbench's own implementations only;
// the torch engine also the others, on the same hard cases and naive's inputs, a strategy one does not have
// coming back as "not run here" with its reason. Inf-CL's pure-PyTorch ring (cal_ring_loss) at t = 100 on
// correlated pairs is a finding: its loss overflows float32 (exp of logits near 100, no max taken out), and
// the check must say so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './helpers/run-cli.js';
import { noTorch, PY } from './helpers/tiny-torch.js';
import { runTorchVerify } from '../src/cli/verify-torch.js';

test('verify --backend wasm: random, correlated and duplicate rows per loss × impl; the textbook CLIP said so', async () => {
  const r = await runCli(['verify', '--backend', 'wasm'], { timeoutMs: 120_000 });
  assert.equal(r.code, 0, r.stderr);
  const rows = r.stdout.split('\n').filter((l) => /^(clip|siglip)\s/.test(l));
  assert.equal(rows.length, 2 * 2 * 6, r.stdout);
  for (const loss of ['clip', 'siglip'])
    for (const impl of ['naive', 'chunked'])
      for (const kind of ['random', 'correlated', 'duplicates'])
        assert.ok(
          rows.some((l) => new RegExp(`^${loss}\\s+${impl}\\s+${kind}\\s`).test(l)),
          `${loss} ${impl} ${kind}`,
        );
  const correlated = (loss: string, impl: string) =>
    rows.find((l) => new RegExp(`^${loss}\\s+${impl}\\s+correlated\\s+65\\s+64\\s+\\S+\\s+100\\.0\\s`).test(l))!;
  assert.match(correlated('clip', 'naive'), /textbook$/);
  assert.match(correlated('clip', 'chunked'), /PASS$/);
  assert.match(correlated('siglip', 'naive'), /PASS$/);
  assert.match(r.stdout, /all 24 checks passed/);
});

test('verify --impl: names checked, tfjs refuses what it does not verify (exit 2, one line)', async () => {
  for (const [args, message] of [
    [['--impl', 'openclip'], /^lossbench: impl: tfjs verifies naive and chunked; openclip: --engine torch$/],
    [['--impl', 'naive,bogus'], /^lossbench: impl: expected naive, chunked, .* got bogus$/],
    [['--impl', ','], /^lossbench: impl: expected .* got ","$/],
    [['--engine', 'torch', '--impl', 'fused'], /^lossbench: impl: fused is tfjs's WebGPU kernel, checked by/],
  ] as const) {
    const r = await runCli(['verify', ...args], { timeoutMs: 60_000 });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr.trim(), message);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
});

test('runTorchVerify passes --impl on and keeps the lines of what did not run apart', async () => {
  const python = join(mkdtempSync(join(tmpdir(), 'lossbench-impl-')), 'python');
  const row = { loss: 'clip', impl: 'openclip', strategy: 'single', world: 1, n: 1, d: 1, c: 1, t: 1, pass: true };
  const errors = { loss: 0, dx: 0, dy: 0, "dt'": 0 };
  const refused = { loss: 'clip', impl: 'openclip', strategy: 'ring', world: 2, unsupported: 'no clip/ring' };
  writeFileSync(
    python,
    `#!${process.execPath}\nconsole.log(JSON.stringify(${JSON.stringify({ ...row, errors })}));\n` +
      `console.log(JSON.stringify({ ...${JSON.stringify(refused)}, kind: process.argv.slice(2).join(' ') }));\n`,
  );
  chmodSync(python, 0o755);
  const { rows, notRun } = await runTorchVerify(python, 'cpu', 'fp32', 1, ['openclip', 'infcl-ring']);
  assert.equal(rows.length, 1);
  assert.equal(rows[0]!.impl, 'openclip');
  assert.deepEqual(notRun, [{ loss: 'clip', impl: 'openclip', strategy: 'ring', world: 2, reason: 'no clip/ring' }]);
});

test(
  'verify --engine torch --impl infcl-ring: the overflow at t = 100 on correlated pairs is found',
  { skip: noTorch },
  async () => {
    const r = await runCli(['verify', '--engine', 'torch', '--device', 'cpu', '--impl', 'infcl-ring'], {
      env: { LOSSBENCH_PYTHON: PY },
      timeoutMs: 300_000,
    });
    const ring = r.stdout.split('\n').filter((l) => /^clip\s+infcl-ring\s+ring\s+2\s/.test(l));
    assert.equal(ring.length, 4, r.stdout + r.stderr); // random, random t = 100, correlated t = 100, duplicates
    for (const l of ring) {
      const correlated = /\scorrelated\s/.test(l);
      assert.match(l, correlated ? /\sInfinity\s.*FAIL$/ : /PASS$/, l);
    }
    assert.match(r.stdout, /not run here \(\d+\):\n {2}clip infcl-ring \(single\): infcl-ring has no clip\/single/);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr.trim(), /^lossbench: verify: 1 of 4 checks failed \(clip\/infcl-ring\/ring\)$/);
  },
);
