// The fused kernels' tile-size choice from adapter limits, and the global buffers it implies.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { kernelLimits } from '../src/losses/fused-webgpu.js';
import {
  chooseTiling,
  describeTiling,
  globalBuffers,
  lanesPerRow,
  MAX_ACCUMULATOR_FLOATS,
  oversizeBindings,
  tilingProblem,
  WEBGPU_DEFAULT_LIMITS,
  workgroupBytes,
  workgroupSize,
  type KernelLimits,
} from '../src/engine/kernels/tiling.js';

/** The adapter limits Dawn reported in the H200 sample run (48 KiB of workgroup memory, 1024 invocations). */
const sample = JSON.parse(
  readFileSync(new URL('../results/samples/nvidia-h200-webgpu/run.json', import.meta.url), 'utf8'),
) as { webgpu_adapter: { limits: Record<string, number> } };
const BIG: KernelLimits = kernelLimits(sample.webgpu_adapter.limits);

describe('fused tiling', () => {
  it("WebGPU's default limits give 32×32 tiles of 2×2 per thread: 256 threads, 9344 B of workgroup memory", () => {
    const t = chooseTiling(WEBGPU_DEFAULT_LIMITS, 512);
    assert.deepEqual([t.block, t.tile, t.microRows, t.microCols, t.dChunk, t.dSlice], [32, 32, 2, 2, 16, 512]);
    assert.equal(workgroupSize(t), 256);
    assert.equal(workgroupBytes(t), 9344);
  });

  it("the H200 sample's limits give 64×64 tiles of 4×4, D in slices of 256", () => {
    assert.equal(BIG.maxComputeWorkgroupStorageSize, 49152);
    const t = chooseTiling(BIG, 512);
    assert.deepEqual([t.block, t.tile, t.microRows, t.microCols, t.dSlice], [64, 64, 4, 4, 256]);
    assert.equal(workgroupBytes(t), 25856);
  });

  it('small adapters fall back to smaller tiles; none that fits throws with every reason', () => {
    const t = chooseTiling(
      {
        ...WEBGPU_DEFAULT_LIMITS,
        maxComputeWorkgroupStorageSize: 4096,
        maxComputeInvocationsPerWorkgroup: 64,
        maxComputeWorkgroupSizeX: 64,
      },
      64,
    );
    assert.deepEqual([t.block, t.tile, workgroupSize(t)], [8, 8, 64]);
    assert.throws(
      () => chooseTiling({ ...WEBGPU_DEFAULT_LIMITS, maxComputeWorkgroupStorageSize: 512 }, 64),
      /no fused tiling fits.*64×64.*8×8/,
    );
  });

  it('every choice is valid and keeps each thread at ≤ 64 gradient accumulators, for any D', () => {
    for (const limits of [WEBGPU_DEFAULT_LIMITS, BIG])
      for (const d of [1, 3, 4, 7, 64, 512, 768, 1024, 4096]) {
        const t = chooseTiling(limits, d);
        assert.equal(tilingProblem(t, limits), null);
        assert.ok(t.dSlice >= 4 && t.dSlice % 4 === 0 && t.dSlice <= Math.ceil(d / 4) * 4, `D=${d}: slice ${t.dSlice}`);
        assert.ok(Math.ceil(t.dSlice / (4 * lanesPerRow(t))) * 4 <= MAX_ACCUMULATOR_FLOATS, `D=${d}`);
      }
  });

  it('tilingProblem names what breaks', () => {
    const t = chooseTiling(WEBGPU_DEFAULT_LIMITS, 64);
    assert.match(tilingProblem({ ...t, microRows: 3 }, WEBGPU_DEFAULT_LIMITS)!, /micro tile/);
    assert.match(tilingProblem({ ...t, dSlice: 6 }, WEBGPU_DEFAULT_LIMITS)!, /multiples of 4/);
    assert.match(tilingProblem({ ...t, microRows: 1, microCols: 1 }, WEBGPU_DEFAULT_LIMITS)!, /1024 threads exceed/);
    assert.match(
      tilingProblem({ ...t, block: 64, tile: 64, microRows: 4, microCols: 4 }, WEBGPU_DEFAULT_LIMITS)!,
      /workgroup memory/,
    );
    assert.match(
      tilingProblem({ ...t, block: 32, tile: 32, microRows: 8, microCols: 8 }, WEBGPU_DEFAULT_LIMITS)!,
      /one per row and one per column/,
    );
  });

  it('SigLIP writes O(N·D) and no N² term; CLIP adds 3·⌈N/R⌉·N floats of column partials', () => {
    const t = chooseTiling(BIG, 512);
    const total = (loss: 'clip' | 'siglip', n: number) =>
      globalBuffers(loss, n, 512, t).reduce((a, g) => a + g.floats, 0);
    assert.equal(total('siglip', 8192) - 2 * 8192 * 512, 3 * (8192 / 64) + 3);
    assert.equal(total('clip', 8192) - 2 * 8192 * 512, 9 * 8192 + 3 * (8192 / 64) * 8192 + 8192 / 64 + 2);
  });

  it('N = 32768 fits the H200 sample’s 2 GiB bindings for both losses; CLIP at N = 131072 does not, and says which buffer', () => {
    const t = chooseTiling(BIG, 512);
    assert.deepEqual(oversizeBindings('clip', 32768, 512, t, BIG), []);
    assert.deepEqual(oversizeBindings('siglip', 131072, 512, t, BIG), []);
    const over = oversizeBindings('clip', 131072, 512, t, BIG);
    assert.equal(over.length, 1);
    assert.match(over[0]!, /clipRowSweep.*column partials: 3223846912 B/);
  });

  it('describeTiling records the choice and the limits behind it (for run.json)', () => {
    const t = chooseTiling(BIG, 512);
    assert.deepEqual(describeTiling(t, BIG), {
      block: 64,
      tile: 64,
      micro_rows: 4,
      micro_cols: 4,
      d_chunk: 16,
      d_slice: 256,
      workgroup_size: 256,
      workgroup_bytes: 25856,
      limit_workgroup_bytes: 49152,
      limit_invocations: 1024,
    });
  });
});
