// The per-kernel profile: aggregation into a top-N table (pure), tfjs-backend-webgpu's per-program string,
// and a real profile of a naive step on the cpu backend.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../src/engine/tf.js';
import { aggregate, formatTable, parseProgramTimes, profileStep } from '../src/probes/kernel-profile.js';
import { lossStep } from '../src/losses/index.js';
import { randomInputs, toTensors, disposeInputs } from '../src/losses/inputs.js';

describe('kernel profile', () => {
  before(async () => {
    assert.ok(await tf.setBackend('cpu'));
  });

  it('aggregate groups by name, sorts by total, keeps the top and sums the rest', () => {
    const t = aggregate(
      [
        { name: 'Exp', ms: 1 },
        { name: 'MatMul', ms: 5 },
        { name: 'Exp', ms: 2 },
        { name: 'Sum', ms: 0.5 },
        { name: 'Neg', ms: 0.5 },
        { name: 'MatMul', ms: 3 },
      ],
      2,
      15,
    );
    assert.deepEqual(
      t.rows.map((r) => [r.name, r.calls, r.total_ms, r.mean_ms]),
      [
        ['MatMul', 2, 8, 4],
        ['Exp', 2, 3, 1.5],
      ],
    );
    assert.deepEqual([t.rest?.name, t.rest?.calls, t.rest?.total_ms], ['(2 more)', 2, 1]);
    assert.equal(t.total_ms, 12);
    assert.equal(t.unaccounted_ms, 3);
    assert.ok(Math.abs(t.rows[0]!.share - 8 / 12) < 1e-12);
    assert.equal(aggregate([], 5).rest, null);
    assert.equal(aggregate([], 5).unaccounted_ms, null);
  });

  it("parses tfjs-backend-webgpu's per-program times", () => {
    assert.deepEqual(parseProgramTimes('MatMulPackedProgram: 1.5, BinaryOpProgram: 0.25'), [
      { name: 'MatMulPackedProgram', ms: 1.5 },
      { name: 'BinaryOpProgram', ms: 0.25 },
    ]);
    assert.deepEqual(parseProgramTimes(''), []);
    assert.throws(() => parseProgramTimes('garbage'), /unreadable program timing/);
  });

  it('profiles a naive SigLIP step on cpu: its matMuls among the kernels, the table adds up, nothing leaks', async () => {
    const inputs = toTensors(randomInputs('siglip', 64, 16, 3));
    const before = tf.memory().numTensors;
    const p = await profileStep(() => {
      const r = lossStep('siglip', 'naive', 0)(inputs);
      return [r.loss, r.grads.x, r.grads.y, r.grads.tPrime, r.grads.bias!];
    });
    assert.equal(tf.memory().numTensors, before);
    disposeInputs(inputs);
    const names = new Set(p.kernels.map((k) => k.name));
    assert.ok(names.has('BatchMatMul') || names.has('MatMul'), [...names].join(' '));
    assert.deepEqual(p.programs, []); // no WebGPU programs on cpu
    const t = aggregate(p.kernels, 5, p.wall_ms);
    assert.equal(t.rows.length, 5);
    assert.ok(Math.abs(t.rows.reduce((a, r) => a + r.total_ms, 0) + (t.rest?.total_ms ?? 0) - t.total_ms) < 1e-9);
    const text = formatTable(t);
    assert.match(text, /total in kernels/);
    assert.match(text, /not in any kernel/);
    assert.equal(text.split('\n').length, 5 + 1 + 2);
  });
});
