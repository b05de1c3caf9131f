// Peak tensor bytes of one step on wasm: chunked grows as N, naive as N² (issue 2).
import { stepOutputs } from '../src/losses/types.js';
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import '@tensorflow/tfjs-backend-wasm';
import { tf } from '../src/engine/tf.js';
import { lossStep, LOSSES } from '../src/losses/index.js';
import { deviceInputs, disposeInputs } from '../src/losses/inputs.js';
import { measureTensorPeak } from '../src/probes/tensor-memory.js';
import { predictPeakBytes } from '../src/model/memory.js';

async function peak(loss: 'clip' | 'siglip', impl: 'naive' | 'chunked', n: number): Promise<number> {
  const inputs = deviceInputs(loss, n, 64, 11);
  const step = lossStep(loss, impl, 128);
  const p = await measureTensorPeak(() => {
    const r = step(inputs);
    return stepOutputs(r);
  });
  disposeInputs(inputs);
  assert.equal(p.leakedTensors, 0, `${loss} ${impl} N=${n} leaked tensors`);
  return p.peakTensorBytes;
}

describe('peak tensor bytes on wasm (D = 64, c = 128)', () => {
  before(async () => {
    assert.ok(await tf.setBackend('wasm'));
  });
  for (const loss of LOSSES)
    it(`${loss}: chunked ≤ 2.3× per doubling, naive ≥ 3.5×, chunked ≤ ¼ of naive at N = 2048`, async () => {
      const c1 = await peak(loss, 'chunked', 1024);
      const c2 = await peak(loss, 'chunked', 2048);
      const n1 = await peak(loss, 'naive', 1024);
      const n2 = await peak(loss, 'naive', 2048);
      const msg = `${loss}: chunked ${c1} → ${c2}, naive ${n1} → ${n2}`;
      assert.ok(c2 / c1 <= 2.3, msg);
      assert.ok(n2 / n1 >= 3.5, msg);
      assert.ok(c2 <= n2 / 4, msg);
      assert.ok(c1 > 0 && n1 > 0, msg);
      // The analytic model (src/model/memory.ts) must follow the implementations it describes.
      for (const [impl, n, measured] of [
        ['naive', 2048, n2],
        ['chunked', 2048, c2],
      ] as const) {
        const predicted = predictPeakBytes({
          loss,
          impl,
          strategy: 'single',
          n,
          world: 1,
          localBatch: n,
          dim: 64,
          chunk: 128,
          bytesPerElement: 4,
        });
        assert.ok(
          Math.abs(predicted / measured - 1) <= 0.15,
          `${loss} ${impl} N=${n}: predicted ${predicted} vs measured ${measured}`,
        );
      }
    });
});
