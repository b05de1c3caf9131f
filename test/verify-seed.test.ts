// `verify --engine torch --seed n` reaches lossbench_torch verify (issue 19 item 9): a stand-in Python
// (node) prints the arguments it was given as the kind of one verify row.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTorchVerify } from '../src/cli/verify-torch.js';

test('runTorchVerify passes the seed to lossbench_torch verify', async () => {
  const python = join(mkdtempSync(join(tmpdir(), 'lossbench-seed-')), 'python');
  const row = { loss: 'clip', impl: 'naive', strategy: 'single', world: 1, n: 1, d: 1, c: 1, t: 1, pass: true };
  const errors = { loss: 0, dx: 0, dy: 0, "dt'": 0 };
  writeFileSync(
    python,
    `#!${process.execPath}\nconst row = ${JSON.stringify({ ...row, errors })};\n` +
      "console.log(JSON.stringify({ ...row, kind: process.argv.slice(2).join(' ') }));\n",
  );
  chmodSync(python, 0o755);
  const {
    rows: [r],
  } = await runTorchVerify(python, 'cpu', 'fp32', 7);
  assert.equal(r!.kind, '-m lossbench_torch verify --device cpu --dtype fp32 --seed 7');
});
