// Every strategy × impl equals the float64 single-device reference over N = W·b pairs; the ledger
// equals the formula per kind, forward and backward; no tensor leaks.
import { stepOutputs } from '../src/losses/types.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../src/engine/tf.js';
import { commFormula, distributedStep } from '../src/distributed/index.js';
import { disposeInputs, randomInputs, toReference, toTensors } from '../src/losses/inputs.js';
import { REFERENCES } from '../src/losses/reference.js';
import { IMPLS, LOSSES } from '../src/losses/types.js';
import { STRATEGIES } from '../src/distributed/registry.js';
import { World } from '../src/distributed/world.js';
import { runLockstep } from '../src/distributed/lockstep.js';
import { rankComm } from '../src/distributed/collectives.js';
import type { RankProgram, RankStep } from '../src/distributed/strategies/types.js';
import type { Scalar, Tensor2D } from '../src/engine/tf.js';

await tf.setBackend('cpu');

const relMatrix = (g: ArrayLike<number>, ref: ArrayLike<number>) => {
  let e = 0;
  let r = 0;
  for (let i = 0; i < ref.length; i++) {
    e += (g[i]! - ref[i]!) ** 2;
    r += ref[i]! ** 2;
  }
  return Math.sqrt(e) / Math.max(Math.sqrt(r), 1e-2);
};
const relScalar = (g: number, ref: number) => Math.abs(g - ref) / Math.max(Math.abs(ref), 1);

const D = 8;
const CHUNK = 4;
for (const loss of LOSSES)
  for (const strategy of STRATEGIES[loss].filter((s) => s !== 'single'))
    for (const impl of IMPLS)
      test(`${loss}/${strategy}/${impl}: matches the float64 reference and the ledger formula`, () => {
        for (const [W, b] of [
          [1, 5],
          [2, 5],
          [3, 13],
          [4, 5],
          [8, 5],
        ] as const) {
          const seed = 1000 * W + b;
          const host = randomInputs(loss, W * b, D, seed);
          const ref = REFERENCES[loss](toReference(host));
          const inp = toTensors(host);
          const before = tf.memory().numTensors;
          const r = distributedStep({ loss, impl, strategy, world: W, chunk: CHUNK }, inp);
          const where = `W=${W} b=${b} seed=${seed}`;
          const errs: Record<string, number> = {
            loss: relScalar(r.loss.dataSync()[0]!, ref.loss),
            dx: relMatrix(r.grads.x.dataSync(), ref.dx),
            dy: relMatrix(r.grads.y.dataSync(), ref.dy),
            dtPrime: relScalar(r.grads.tPrime.dataSync()[0]!, ref.dtPrime),
          };
          if (loss === 'siglip') errs.dBias = relScalar(r.grads.bias!.dataSync()[0]!, ref.dBias!);
          for (const [k, e] of Object.entries(errs)) assert.ok(e <= 1e-4, `${k} relative error ${e} (${where})`);

          // ledger: every device, every kind, fwd and bwd separately
          const E = 4 * b * D;
          const expected = Object.fromEntries(
            Object.entries(commFormula(loss, strategy, W))
              .filter(([, v]) => v.fwd.blocks + v.bwd.blocks + v.fwd.rounds + v.bwd.rounds > 0)
              .map(([kind, v]) => [
                kind,
                {
                  fwd: { sent: v.fwd.blocks * E, received: v.fwd.blocks * E, rounds: v.fwd.rounds },
                  bwd: { sent: v.bwd.blocks * E, received: v.bwd.blocks * E, rounds: v.bwd.rounds },
                },
              ]),
          );
          assert.equal(r.perDevice.length, W);
          for (const [k, dev] of r.perDevice.entries())
            assert.deepEqual(dev.byKind, expected, `device ${k} ledger (${where})`);

          tf.dispose(stepOutputs(r));
          assert.equal(tf.memory().numTensors, before, `leaked tensors (${where})`);
          disposeInputs(inp);
        }
      });

test('single is the W = 1 run of its rank program: the one-device loss, an empty ledger', () => {
  const host = randomInputs('clip', 6, D, 3);
  const inp = toTensors(host);
  const before = tf.memory().numTensors;
  const r = distributedStep({ loss: 'clip', impl: 'chunked', strategy: 'single', world: 1, chunk: CHUNK }, inp);
  assert.ok(relScalar(r.loss.dataSync()[0]!, REFERENCES.clip(toReference(host)).loss) <= 1e-4);
  assert.equal(r.ledger.bytesSent, 0);
  assert.equal(r.perDevice.length, 1);
  tf.dispose(stepOutputs(r));
  assert.equal(tf.memory().numTensors, before, 'leaked tensors');
  assert.throws(
    () => distributedStep({ loss: 'clip', impl: 'chunked', strategy: 'single', world: 2, chunk: CHUNK }, inp),
    /clip\/single runs on one device, not 2/,
  );
  disposeInputs(inp);
});

test('lock-step: collectives that do not pair up, or a rank that returns early, are an Error naming the ranks', () => {
  const before = tf.memory().numTensors;
  const run = (program: (k: number, t: Tensor2D) => RankProgram) => {
    const world = new World(3);
    try {
      return runLockstep(
        world,
        world.devices.map((d) => program(d.rank, d.hold(tf.zeros([2, 4])))),
      );
    } finally {
      world.dispose();
    }
  };
  const result = (t: Tensor2D): RankStep => {
    const s = t as unknown as Scalar; // never read: the run fails first
    return { loss: s, dx: t, dy: t, dt: s, scalars: 'sum' };
  };
  assert.throws(
    () =>
      run(function* (k, t) {
        const comm = rankComm(k, 3);
        const got = k === 2 ? yield* comm.allGather(t, 'fwd') : (yield* comm.ringShift([t], 'fwd'))[0];
        return result(got);
      }),
    /collectives do not pair up: rank 0 ring fwd \+1 \[2×4\], rank 2 all-gather fwd \[2×4\]/,
  );
  assert.throws(
    () =>
      run(function* (k, t) {
        if (k !== 1) yield* rankComm(k, 3).ringShift([t], 'bwd', -1);
        return result(t);
      }),
    /rank 1 returned while rank 0, 2 wait in ring bwd -1 \[2×4\]/,
  );
  assert.equal(tf.memory().numTensors, before, 'leaked tensors');
});

test('N not divisible by W is rejected', () => {
  const inp = toTensors(randomInputs('siglip', 10, D, 1));
  assert.throws(
    () => distributedStep({ loss: 'siglip', impl: 'naive', strategy: 'ring', world: 3, chunk: 4 }, inp),
    /multiple/,
  );
  disposeInputs(inp);
});
