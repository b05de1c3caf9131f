import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPlan } from '../src/model/plan-cli.js';
import { main } from '../src/cli.js';
import { UsageError } from '../src/errors.js';

const base = { dim: '768', chunk: '1024', dtype: 'fp32', deviceMemory: '80', link: 'nvlink4' };

test('plan: the table for N = 65536, W = 8', async () => {
  const out = await runPlan({ ...base, batch: '65536', world: '8' });
  const lines = out.split('\n');
  assert.match(lines[0]!, /N = 65536, W = 8, D = 768/);
  assert.match(out, /modelled/);
  const row = (loss: string, strategy: string, impl: string) =>
    lines.find((l) => new RegExp(`^${loss}\\s+${strategy}\\s+${impl}\\s`).test(l))!.split(/\s{2,}/);
  assert.equal(row('clip', 'single', 'naive')[5], 'no');
  assert.equal(row('siglip', 'ring', 'chunked')[5], 'yes');
  assert.equal(row('siglip', 'ring', 'chunked')[7], '336 MiB'); // 2·7·4·8192·768 bytes
  assert.equal(row('clip', 'ring', 'chunked')[7], '1008 MiB');
  assert.equal(lines.filter((l) => /^(clip|siglip)\s/.test(l)).length, 16);
});

test('plan --json: rows with comm bytes, fits and max N (a multiple of W)', async () => {
  const j = JSON.parse(await runPlan({ ...base, batch: '65536', world: '8', json: true }));
  assert.equal(j.commModelled, true);
  const r = j.rows.find((x: { loss: string; strategy: string; impl: string }) => x.loss === 'siglip' && x.strategy === 'allgather' && x.impl === 'chunked');
  assert.equal(r.commBytesSent, 2 * 7 * 4 * 8192 * 768);
  assert.equal(r.commRounds, 14);
  assert.equal(r.fits, true);
  assert.equal(r.maxN % 8, 0);
  assert.ok(r.maxN > 65536);
});

test('plan --calibrate fits constants from results.jsonl', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lossbench-plan-'));
  const rows = [256, 512].map((n) => ({ loss: 'clip', impl: 'naive', strategy: 'single', n, world: 1, local_batch: n, dim: 64, chunk: 128, status: 'ok', peak_tensor_bytes: 4 * 10 * n * n }));
  writeFileSync(join(dir, 'results.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const out = await runPlan({ ...base, batch: '1024', world: '1', dim: '64', calibrate: dir, json: true });
  const r = JSON.parse(out).rows.find((x: { loss: string; strategy: string; impl: string }) => x.loss === 'clip' && x.strategy === 'single' && x.impl === 'naive');
  assert.ok(Math.abs(r.perDeviceBytes - 4 * 10 * 1024 * 1024) < 1e-3 * r.perDeviceBytes);
});

test('plan: invalid input is a UsageError (exit 2)', async () => {
  await assert.rejects(runPlan({ ...base, batch: '100', world: '8' }), UsageError);
  await assert.rejects(runPlan({ ...base, batch: '64', world: '8', link: 'carrier-pigeon' }), UsageError);
  await assert.rejects(runPlan({ ...base, batch: '-64', world: '8' }), UsageError);
  await assert.rejects(runPlan({ ...base, batch: '64', world: '8', deviceMemory: '-1' }), UsageError);
  const err = console.error;
  console.error = () => {};
  try {
    assert.equal(await main(['plan', '--batch', '100', '--world', '8']), 2);
  } finally {
    console.error = err;
  }
});
