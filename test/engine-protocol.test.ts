// The engine-independent half of the torch engine, without Python: the worker protocol (the tfjs worker
// served from the doc's contract alone), the report reader, the inputs file, engine flags, rows of
// older runs, the measured link for `plan --link-from`, calibrating a torch folder, and run labels.
import { resolveLink } from '../src/model/comm.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './helpers/run-cli.js';
import { parseReport, type TfjsJob } from '../src/results/protocol.js';
import { encodeInputs, inputsFileBytes, readInputsFile, writeInputsFile } from '../src/losses/inputs-file.js';
import { randomInputs, toTensors, disposeInputs } from '../src/losses/inputs.js';
import { chooseEngine } from '../src/cli/engine-options.js';
import { UsageError } from '../src/util/errors.js';
import { engineLabel, loadRun } from '../src/results/load.js';
import { linkFromProbe } from '../src/model/link-fit.js';
import type { LinkProbe } from '../src/engine/torch.js';
import { runPlan } from '../src/cli/plan.js';
import { predictScenario } from '../src/model/predict.js';
import { TORCH_CPU_MEMORY_CONSTANTS } from '../src/model/memory-torch.js';
import { tf } from '../src/engine/tf.js';
import { lossStep } from '../src/losses/index.js';

const FIX = join(import.meta.dirname, 'fixtures', 'report');
const tmp = () => mkdtempSync(join(tmpdir(), 'lossbench-protocol-'));

test('parseReport: nulls and absent optional fields read as not measured; a bad status or type is an error', () => {
  const r = parseReport(JSON.stringify({ status: 'oom', reason: 'CUDA out of memory', host_rss_peak_bytes: 5 }));
  assert.equal(r.status, 'oom');
  assert.equal(r.step_ms_median, null);
  assert.equal(r.comm_ms_measured, null);
  assert.equal(r.device_name, '');
  assert.throws(() => parseReport('{"status":"fine"}'), /status "fine"/);
  assert.throws(() => parseReport('{"status":"ok","step_ms_median":"fast"}'), /step_ms_median/);
  assert.throws(() => parseReport('{"status":"ok","dist_backend":"mpi"}'), /dist_backend/);
  assert.throws(() => parseReport('{"status":'), /not JSON/);
});

test("inputs file: raw little-endian float32 x, y, t', β of 4·(2·N·D + 2) bytes, read back exactly", () => {
  const h = randomInputs('siglip', 5, 3, 7);
  const buf = encodeInputs(h);
  assert.equal(buf.length, inputsFileBytes(5, 3));
  assert.equal(buf.readFloatLE(0), h.x[0]);
  assert.equal(buf.readFloatLE(4 * 15), h.y[0]);
  assert.equal(buf.readFloatLE(buf.length - 4), -10);
  const path = join(tmp(), 'in.bin');
  writeInputsFile(path, h);
  const back = readInputsFile(path, 5, 3);
  assert.deepEqual([...back.x], [...h.x]);
  assert.deepEqual([...back.y], [...h.y]);
  assert.deepEqual([back.tPrime, back.bias], [h.tPrime, h.bias]);
  assert.throws(() => readInputsFile(path, 5, 4), /128 bytes, expected 168 for N = 5, D = 4/);
});

test("engine flags: torch-only flags need --engine torch, --backend is tfjs's, the config file's engine is the default", () => {
  assert.deepEqual(chooseEngine({}), { engine: 'tfjs', backend: 'auto' });
  assert.throws(
    () => chooseEngine({ device: 'cpu' }),
    (e: Error) => e instanceof UsageError && e.message === '--device: only with --engine torch',
  );
  assert.throws(() => chooseEngine({ engine: 'torch', backend: 'wasm' }), UsageError);
  assert.throws(() => chooseEngine({ engine: 'jax' }), UsageError);
  assert.deepEqual(chooseEngine({}, { engine: 'torch', device: 'cpu' }), {
    engine: 'torch',
    device: 'cpu',
    dtype: 'fp32',
    overlap: true,
    python: undefined,
  });
  assert.deepEqual(chooseEngine({ engine: 'torch', dtype: 'bf16', overlap: 'off' }, { dtype: 'tf32' }), {
    engine: 'torch',
    device: undefined,
    dtype: 'bf16',
    overlap: false,
    python: undefined,
  });
  assert.throws(
    () => chooseEngine({ overlap: 'off' }),
    (e: Error) => e instanceof UsageError && e.message === '--overlap: only with --engine torch',
  );
  assert.throws(() => chooseEngine({ engine: 'torch', overlap: 'maybe' }), UsageError);
});

test('rows of runs made before the torch engine read as tfjs fp32, simulated when W > 1', () => {
  const run = loadRun(join(FIX, 'runA'));
  for (const r of run.rows) {
    assert.equal(r.engine, 'tfjs');
    assert.equal(r.dtype, 'fp32');
    assert.equal(r.dist_backend, r.world > 1 ? 'simulated' : 'none');
    assert.equal(r.comm_ms_measured, null);
  }
  assert.equal(engineLabel(run), 'cpu-wasm tfjs');
  assert.equal(engineLabel(loadRun(join(FIX, 'runB'))), 'gpu-webgpu tfjs');
});

test('the tfjs worker serves a protocol-1 job from the environment alone: report file, inputsPath', async () => {
  const dir = tmp();
  const host = randomInputs('clip', 6, 4, 3);
  writeInputsFile(join(dir, 'in.bin'), host);
  const job: TfjsJob = {
    protocol: 1,
    engine: 'tfjs',
    backend: 'cpu',
    inputsPath: join(dir, 'in.bin'),
    spec: {
      loss: 'clip',
      impl: 'chunked',
      strategy: 'single',
      n: 6,
      world: 1,
      localBatch: 6,
      dim: 4,
      chunk: 4,
      warmup: 0,
      samples: 1,
      timeBudgetMs: 1,
      seed: 1,
      link: resolveLink('nvlink4'),
    },
  };
  const run = (j: object) =>
    new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const p = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', '__worker'], {
        cwd: ROOT,
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, LOSSBENCH_JOB: JSON.stringify(j), LOSSBENCH_REPORT: join(dir, 'report.json') },
      });
      let stderr = '';
      p.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      p.on('close', (code) => resolve({ code, stderr }));
    });
  const ok = await run(job);
  assert.equal(ok.code, 0, ok.stderr);
  const report = parseReport(readFileSync(join(dir, 'report.json'), 'utf8'));
  assert.equal(report.status, 'ok', report.reason);
  assert.ok(!existsSync(join(dir, 'report.json.tmp')), 'written through a temporary file and a rename');
  await tf.setBackend('cpu');
  const inputs = toTensors(host);
  const r = lossStep('clip', 'chunked', 4)(inputs);
  assert.equal(report.loss_value, (await r.loss.data())[0], "the loss of the file's inputs");
  tf.dispose([r.loss, r.grads.x, r.grads.y, r.grads.tPrime]);
  disposeInputs(inputs);

  const wrong = await run({ ...job, protocol: 2 });
  assert.notEqual(wrong.code, 0);
  assert.match(wrong.stderr, /speaks protocol 1/);
});

/** A probe whose times follow α = 20 µs per round and β = 2 GB/s exactly. */
function probe(world: number): LinkProbe {
  const alpha = 20e-6;
  const beta = 2e9;
  const results = [8, 65536, 4194304].flatMap((bytes) => {
    const ag = (world - 1) * alpha + (((world - 1) / world) * bytes) / beta;
    const sr = alpha + bytes / beta;
    return [
      {
        op: 'all_gather',
        bytes,
        time_us: ag * 1e6,
        algbw_GBps: bytes / ag / 1e9,
        busbw_GBps: ((bytes / ag) * (world - 1)) / world / 1e9,
      },
      { op: 'sendrecv', bytes, time_us: sr * 1e6, algbw_GBps: bytes / sr / 1e9, busbw_GBps: bytes / sr / 1e9 },
    ];
  });
  return {
    world,
    backend: 'gloo',
    device: 'cpu',
    iters: 20,
    results,
    latency_us: { all_gather: results[0]!.time_us, sendrecv: results[1]!.time_us },
  };
}

test("plan --link-from: α and β fitted to a torch run's link probe, in the model's terms", async () => {
  const link = linkFromProbe(probe(4))!;
  assert.ok(Math.abs(link.latencyS - 20e-6) < 1e-9, `α ${link.latencyS}`);
  assert.ok(Math.abs(link.bytesPerSecond / 2e9 - 1) < 1e-6, `β ${link.bytesPerSecond}`);
  const dir = tmp();
  cpSync(join(FIX, 'runA'), dir, { recursive: true });
  const info = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8'));
  writeFileSync(join(dir, 'run.json'), JSON.stringify({ ...info, engine: 'torch', link_probe: probe(4) }));
  const base = {
    batch: '4096',
    world: '4',
    dim: '64',
    chunk: '64',
    dtype: 'fp32',
    deviceMemory: '80',
    link: 'nvlink4',
  };
  const out = JSON.parse(await runPlan({ ...base, linkFrom: dir, json: true }));
  assert.match(out.input.link.name, /^measured in .* \(gloo, W = 4: 20\.0 µs, 2\.00 GB\/s\)$/);
  const ring = out.rows.find(
    (r: { loss: string; strategy: string; impl: string }) =>
      r.loss === 'siglip' && r.strategy === 'ring' && r.impl === 'chunked',
  );
  assert.ok(Math.abs(ring.commMsModelled - (ring.commRounds * 20e-6 + ring.commBytesSent / 2e9) * 1e3) < 1e-9);
  await assert.rejects(
    runPlan({ ...base, linkFrom: join(FIX, 'runA') }),
    (e: Error) => e instanceof UsageError && /has no link_probe/.test(e.message),
  );
  await assert.rejects(runPlan({ ...base, linkFrom: dir, linkGbps: '5' }), UsageError);
});

test('plan --engine torch uses the torch constants; --calibrate fits a torch folder from them', async () => {
  const base = {
    batch: '4096',
    world: '4',
    dim: '64',
    chunk: '64',
    dtype: 'fp32',
    deviceMemory: '80',
    link: 'nvlink4',
  };
  const j = JSON.parse(await runPlan({ ...base, engine: 'torch', json: true }));
  const shape = {
    loss: 'clip',
    impl: 'naive',
    strategy: 'single',
    n: 4096,
    world: 1,
    localBatch: 4096,
    dim: 64,
    chunk: 64,
    link: resolveLink('nvlink4'),
  } as const;
  const row = j.rows.find(
    (r: { loss: string; strategy: string; impl: string }) =>
      r.loss === 'clip' && r.strategy === 'single' && r.impl === 'naive',
  );
  assert.equal(row.perDeviceBytes, predictScenario(shape, { engine: 'torch' }).peakBytes);
  const k = TORCH_CPU_MEMORY_CONSTANTS['clip/single/naive']!;
  assert.equal(row.perDeviceBytes, 4 * (k.kLogit * 4096 * 4096 + k.kFeature * 4096 * 64));

  const dir = tmp();
  const rows = [256, 512, 1024].map((n) => ({
    id: `siglip/chunked/single/N${n}/W1/D64/c64`,
    loss: 'siglip',
    impl: 'chunked',
    strategy: 'single',
    n,
    world: 1,
    dim: 64,
    chunk: 64,
    status: 'ok',
    engine: 'torch',
    peak_tensor_bytes: 4 * (3 * n * 64 + 2 * n * 64),
  }));
  writeFileSync(join(dir, 'results.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const cal = JSON.parse(await runPlan({ ...base, calibrate: dir, json: true }));
  assert.equal(cal.input.engine, 'torch', "the folder's engine");
  assert.deepEqual(cal.input.calibratedFrom, ['siglip/single/chunked']);
  const other = cal.rows.find(
    (r: { loss: string; strategy: string; impl: string }) =>
      r.loss === 'clip' && r.strategy === 'single' && r.impl === 'naive',
  );
  assert.equal(other.perDeviceBytes, row.perDeviceBytes, 'groups not in the folder keep the torch constants');
  await assert.rejects(
    runPlan({ ...base, engine: 'tfjs', calibrate: dir }),
    (e: Error) => e instanceof UsageError && /is a torch run; give --engine torch/.test(e.message),
  );
  writeFileSync(
    join(dir, 'results.jsonl'),
    [...rows, { ...rows[0], id: 'x', engine: 'tfjs' }].map((r) => JSON.stringify(r)).join('\n') + '\n',
  );
  await assert.rejects(
    runPlan({ ...base, calibrate: dir }),
    (e: Error) => e instanceof UsageError && /engines torch and tfjs/.test(e.message),
  );
});
