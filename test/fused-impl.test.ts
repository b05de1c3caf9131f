// `--impl fused` (the fused WebGPU kernels, src/losses/fused-webgpu.ts) is opt-in and runs only on tfjs's
// webgpu backend, one device: anywhere else its rows come back `unsupported` with the reason, before any
// worker starts. Whether the kernels run on a GPU is scripts/gpu-check.sh's to show, not this test's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isImplId, IMPL_CHOICES } from '../src/losses/types.js';

test('--impl fused: a name bench takes, refused as unsupported off webgpu', () => {
  assert.ok(isImplId('fused') && IMPL_CHOICES.includes('fused'));
  const out = mkdtempSync(join(tmpdir(), 'lossbench-fused-'));
  const run = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      'src/cli.ts',
      'bench',
      '--engine',
      'tfjs',
      '--backend',
      'wasm',
      '--impl',
      'fused',
      '--loss',
      'clip,siglip',
      '--batch',
      '64',
      '--dim',
      '8',
      '--no-report',
      '--out',
      out,
    ],
    { encoding: 'utf8', timeout: 120_000 },
  );
  const dir = join(out, readdirSync(out)[0]!);
  const rows = readFileSync(join(dir, 'results.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { impl: string; status: string; reason: string });
  assert.equal(rows.length, 2, run.stderr);
  for (const row of rows) {
    assert.equal(row.impl, 'fused');
    assert.equal(row.status, 'unsupported');
    assert.match(row.reason, /WebGPU kernels on one device: --backend webgpu/);
  }
});
