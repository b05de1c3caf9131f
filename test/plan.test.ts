import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPlan } from '../src/cli/plan.js';
import { main } from '../src/cli.js';
import { UsageError } from '../src/util/errors.js';

const base = { dim: '768', chunk: '1024', dtype: 'fp32', deviceMemory: '80', link: 'nvlink4' };

test('plan: the table for N = 65536, W = 8', async () => {
  const out = await runPlan({ ...base, batch: '65536', world: '8' });
  const lines = out.split('\n');
  assert.match(lines[0]!, /N = 65536, W = 8, D = 768, c = 1024, fp32, device memory 80 GiB, link nvlink4$/);
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
  const r = j.rows.find(
    (x: { loss: string; strategy: string; impl: string }) =>
      x.loss === 'siglip' && x.strategy === 'allgather' && x.impl === 'chunked',
  );
  assert.equal(r.commBytesSent, 2 * 7 * 4 * 8192 * 768);
  assert.equal(r.commRounds, 14);
  assert.equal(r.fits, true);
  assert.equal(r.maxN % 8, 0);
  assert.ok(r.maxN > 65536);
});

test('plan --device-memory is GiB (2^30 bytes), like bench --memory-limit', async () => {
  const j = JSON.parse(await runPlan({ ...base, batch: '65536', world: '8', json: true }));
  assert.equal(j.input.deviceMemoryBytes, 80 * 2 ** 30);
  const r = j.rows.find(
    (x: { loss: string; strategy: string; impl: string }) =>
      x.loss === 'siglip' && x.strategy === 'ring' && x.impl === 'chunked',
  );
  assert.equal(r.headroomBytes, 80 * 2 ** 30 - r.perDeviceBytes);
  assert.match(
    (await runPlan({ ...base, batch: '64', world: '8', deviceMemory: '1.5' })).split('\n')[0]!,
    /device memory 1\.50 GiB,/,
  );
});

/** Writes a results folder whose ok rows follow known constants (rows without local_batch, as older runs). */
function calibrationFolder(extra: object[] = []): string {
  const dir = mkdtempSync(join(tmpdir(), 'lossbench-plan-'));
  const id = (r: {
    loss: string;
    impl: string;
    strategy: string;
    n: number;
    world: number;
    dim: number;
    chunk: number;
  }) => `${r.loss}/${r.impl}/${r.strategy}/N${r.n}/W${r.world}/D${r.dim}/c${r.chunk}`;
  const rows: object[] = [];
  // clip/single/naive: kLogit 10, kFeature 3; L = N², F = N·D
  for (const [n, dim] of [
    [256, 64],
    [512, 64],
    [1024, 32],
    [512, 128],
  ] as const) {
    const r = {
      loss: 'clip',
      impl: 'naive',
      strategy: 'single',
      n,
      world: 1,
      dim,
      chunk: 128,
      status: 'ok',
      peak_tensor_bytes: 4 * (10 * n * n + 3 * n * dim),
    };
    rows.push({ id: id(r), ...r });
  }
  // siglip/ring/chunked: kLogit 6, kFeature 2; L = b·min(c, b), F = b·D
  for (const [world, b, chunk] of [
    [2, 128, 64],
    [4, 128, 128],
    [2, 256, 64],
    [4, 64, 64],
  ] as const) {
    const r = {
      loss: 'siglip',
      impl: 'chunked',
      strategy: 'ring',
      n: world * b,
      world,
      dim: 32,
      chunk,
      status: 'ok',
      peak_tensor_bytes: 4 * (6 * b * Math.min(chunk, b) + 2 * b * 32),
    };
    rows.push({ id: id(r), ...r });
  }
  // not ok: ignored
  const oom = {
    loss: 'clip',
    impl: 'naive',
    strategy: 'single',
    n: 65536,
    world: 1,
    dim: 64,
    chunk: 128,
    status: 'oom',
    peak_tensor_bytes: null,
  };
  rows.push({ id: id(oom), ...oom }, ...extra);
  writeFileSync(join(dir, 'results.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return dir;
}

test('plan --calibrate recovers the constants of a results folder and plans with them', async () => {
  const dir = calibrationFolder();
  const j = JSON.parse(
    await runPlan({ ...base, batch: '1024', world: '4', dim: '64', chunk: '128', calibrate: dir, json: true }),
  );
  assert.deepEqual(j.input.calibratedFrom, ['clip/single/naive', 'siglip/ring/chunked']);
  const k = j.input.calibratedConstants;
  const near = (a: number, b: number) => Math.abs(a - b) < 1e-9 * Math.max(1, Math.abs(b));
  assert.ok(near(k['clip/single/naive'].kLogit, 10) && near(k['clip/single/naive'].kFeature, 3), JSON.stringify(k));
  assert.ok(near(k['siglip/ring/chunked'].kLogit, 6) && near(k['siglip/ring/chunked'].kFeature, 2), JSON.stringify(k));
  const find = (l: string, s: string, i: string) =>
    j.rows.find(
      (x: { loss: string; strategy: string; impl: string }) => x.loss === l && x.strategy === s && x.impl === i,
    );
  for (const r of j.rows)
    assert.ok(
      Number.isFinite(r.perDeviceBytes) && r.perDeviceBytes > 0,
      `${r.loss}/${r.strategy}/${r.impl}: ${r.perDeviceBytes}`,
    );
  assert.ok(near(find('clip', 'single', 'naive').perDeviceBytes, 4 * (10 * 1024 * 1024 + 3 * 1024 * 64)));
  assert.ok(near(find('siglip', 'ring', 'chunked').perDeviceBytes, 4 * (6 * 256 * 128 + 2 * 256 * 64))); // b = 256, c = 128
  const text = await runPlan({ ...base, batch: '1024', world: '4', dim: '64', chunk: '128', calibrate: dir });
  assert.doesNotMatch(text, /NaN|undefined/);
  assert.match(
    text,
    /fitted to .*: clip\/single\/naive \(kLogit 10\.00, kFeature 3\.00\), siglip\/ring\/chunked \(kLogit 6\.00, kFeature 2\.00\); the others analytic/,
  );
});

test('plan --calibrate: no usable rows, a missing folder or an unusable fit is a UsageError', async () => {
  const empty = mkdtempSync(join(tmpdir(), 'lossbench-plan-'));
  const at = (dir: string) => runPlan({ ...base, batch: '1024', world: '4', calibrate: dir });
  await assert.rejects(at(empty), (e: Error) => e instanceof UsageError && /no results\.jsonl/.test(e.message));
  await assert.rejects(at(join(empty, 'nope')), (e: Error) => e instanceof UsageError && /not found/.test(e.message));
  const onlyBad = mkdtempSync(join(tmpdir(), 'lossbench-plan-'));
  writeFileSync(
    join(onlyBad, 'results.jsonl'),
    JSON.stringify({
      id: 'x',
      loss: 'clip',
      impl: 'naive',
      strategy: 'single',
      n: 64,
      world: 1,
      dim: 8,
      chunk: 8,
      status: 'error',
    }) + '\n',
  );
  await assert.rejects(at(onlyBad), (e: Error) => e instanceof UsageError && /no usable ok rows/.test(e.message));
  const huge = {
    id: 'clip/naive/allgather-global/N512/W2/D64/c128',
    loss: 'clip',
    impl: 'naive',
    strategy: 'allgather-global',
    n: 512,
    world: 2,
    dim: 64,
    chunk: 128,
    status: 'ok',
    peak_tensor_bytes: 1e308,
  };
  await assert.rejects(
    at(calibrationFolder([huge])),
    (e: Error) => e instanceof UsageError && /clip\/allgather-global\/naive gives unusable constants/.test(e.message),
  );
});

test('plan: invalid input is a UsageError (exit 2)', async () => {
  await assert.rejects(runPlan({ ...base, batch: '100', world: '8' }), UsageError);
  await assert.rejects(runPlan({ ...base, batch: '64', world: '8', link: 'carrier-pigeon' }), UsageError);
  await assert.rejects(
    runPlan({ ...base, batch: '-64', world: '8' }),
    (e: Error) => e instanceof UsageError && e.message === 'batch: expected a positive integer, got "-64"',
  );
  await assert.rejects(
    runPlan({ ...base, world: '8' }),
    (e: Error) =>
      e instanceof UsageError &&
      e.message === 'batch: required (--global-batch N, or its synonym --batch, or --local-batch b)',
  );
  await assert.rejects(
    runPlan({ ...base, batch: '64', world: '8', linkGbps: '0' }),
    (e: Error) => e instanceof UsageError && e.message === 'link-gbps: expected a positive number, got "0"',
  );
  // --link-latency-us alone keeps the preset's bandwidth; with no preset to keep, one clean line
  assert.match(
    (await runPlan({ ...base, batch: '64', world: '8', linkLatencyUs: '7' })).split('\n')[0]!,
    /link custom\(450 GB\/s, 7 µs\)$/,
  );
  await assert.rejects(
    runPlan({ ...base, batch: '64', world: '8', link: 'carrier-pigeon', linkLatencyUs: '7' }),
    (e: Error) =>
      e instanceof UsageError &&
      /^link: expected one of nvlink4, .*got "carrier-pigeon"; or give link-gbps$/.test(e.message),
  );
  await assert.rejects(runPlan({ ...base, batch: '64', world: '8', deviceMemory: '-1' }), UsageError);
  const err = console.error;
  console.error = () => {};
  try {
    assert.equal(await main(['plan', '--batch', '100', '--world', '8']), 2);
    const lines: string[] = [];
    console.error = (...a: unknown[]) => void lines.push(a.join(' '));
    assert.equal(await main(['plan', '--batch', '64', '--world', '8', '--link-gbps', '0']), 2);
    assert.deepEqual(lines, ['lossbench: link-gbps: expected a positive number, got "0"']);
  } finally {
    console.error = err;
  }
});

test("plan takes bench's batch flags (--global-batch, --local-batch; --batch a synonym) and sizes with units", async () => {
  const want = await runPlan({ ...base, batch: '65536', world: '8', json: true });
  assert.equal(await runPlan({ ...base, globalBatch: '65536', world: '8', json: true }), want);
  assert.equal(await runPlan({ ...base, localBatch: '8192', world: '8', json: true }), want);
  await assert.rejects(
    runPlan({ ...base, batch: '64', localBatch: '8', world: '8' }),
    (e: Error) => e instanceof UsageError && /^batch: give one of/.test(e.message),
  );
  await assert.rejects(
    runPlan({ ...base, localBatch: '0', world: '8' }),
    (e: Error) => e instanceof UsageError && /^local-batch: /.test(e.message),
  );
  const bytes = async (deviceMemory: string) =>
    JSON.parse(await runPlan({ ...base, batch: '64', world: '8', deviceMemory, json: true })).input.deviceMemoryBytes;
  assert.equal(await bytes('80'), 80 * 2 ** 30);
  assert.equal(await bytes('80GiB'), 80 * 2 ** 30);
  assert.equal(await bytes('80 gib'), 80 * 2 ** 30);
  assert.equal(await bytes('80GB'), 80e9);
  assert.equal(await bytes('1.5TB'), 1.5e12);
  assert.equal(await bytes('512MiB'), 512 * 2 ** 20);
  for (const bad of ['80 GBs', 'GB', '-80GB', '0GiB', '8O'])
    await assert.rejects(
      runPlan({ ...base, batch: '64', world: '8', deviceMemory: bad }),
      (e: Error) => e instanceof UsageError && /^device-memory: expected a positive size/.test(e.message),
      bad,
    );
  assert.equal(await main(['plan', '--local-batch', '1024', '--world', '4', '--device-memory', '80GB']), 0);
});
