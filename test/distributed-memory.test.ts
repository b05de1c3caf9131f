// Per-device memory of the simulated strategies (tfjs tensor accounting, cpu backend: the same on any).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../src/engine/tf.js';
import { measureDistributed, type DistributedSpec } from '../src/distributed/index.js';
import { deviceInputs, disposeInputs } from '../src/losses/inputs.js';

await tf.setBackend('cpu');

async function peak(spec: DistributedSpec, b: number, dim: number): Promise<number> {
  const inp = deviceInputs(spec.loss, spec.world * b, dim, 5);
  const before = tf.memory().numTensors;
  const m = await measureDistributed(spec, inp);
  const g = m.result.grads;
  tf.dispose([m.result.loss, g.x, g.y, g.tPrime, ...(g.bias ? [g.bias] : [])]);
  assert.equal(tf.memory().numTensors, before, 'leaked tensors');
  disposeInputs(inp);
  return m.busiestDevicePeakBytes;
}

const B = 256;
const DIM = 32;
const C = 64;
for (const [loss, strategy] of [
  ['clip', 'ring'],
  ['siglip', 'ring'],
  ['siglip', 'ring-bidir'],
] as const)
  for (const impl of ['naive', 'chunked'] as const)
    test(`${loss}/${strategy}/${impl}: busiest-device peak does not grow with W (b = ${B})`, async () => {
      const p2 = await peak({ loss, impl, strategy, world: 2, chunk: C }, B, DIM);
      const p8 = await peak({ loss, impl, strategy, world: 8, chunk: C }, B, DIM);
      // ring-bidir keeps one b×D partial gradient per received block until it returns (see its header)
      const retained = strategy === 'ring-bidir' ? (8 - 2) * 4 * B * DIM : 0;
      assert.ok(p8 <= 1.2 * p2 + retained, `W=8 peak ${p8} vs W=2 ${p2}`);
    });

test('clip/allgather-global/naive grows as N²', async () => {
  const p2 = await peak({ loss: 'clip', impl: 'naive', strategy: 'allgather-global', world: 2, chunk: C }, 64, DIM);
  const p4 = await peak({ loss: 'clip', impl: 'naive', strategy: 'allgather-global', world: 4, chunk: C }, 64, DIM);
  const ratio = p4 / p2;
  assert.ok(ratio > 3.2 && ratio < 4.4, `W 2→4 at b = 64: ratio ${ratio}`);
});
