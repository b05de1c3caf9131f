// The strategy registry: every loss × strategy has one complete entry, and the formulas read from it
// (FLOPs, memory terms, largest tensor) equal those of the switch statements it replaced. Bytes and rounds
// are checked against the counted ledger (test/distributed.test.ts) and carried to the torch engine by the
// contract (test/contract.test.ts).
import { resolveLink } from '../src/model/comm.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DISTRIBUTED_NAMES,
  hasStrategy,
  STRATEGIES,
  STRATEGY_DEFS,
  STRATEGY_LIST,
  strategyOf,
} from '../src/distributed/registry.js';
import { IMPLS, LOSSES, type ImplName, type LossName } from '../src/losses/types.js';
import { flopsOf } from '../src/model/flops.js';
import { MEMORY_CONSTANTS, memoryTerms, predictPeakBytes } from '../src/model/memory.js';
import { largestTensorBytes } from '../src/model/predict.js';

/** The strategies before the registry, in the order plan and the presets listed them (a new one may join). */
const PREVIOUS: Record<LossName, string[]> = {
  clip: ['single', 'allgather-global', 'allgather-local', 'ring'],
  siglip: ['single', 'allgather', 'ring', 'ring-bidir'],
};
const PREVIOUS_DISTRIBUTED = ['allgather-global', 'allgather-local', 'ring', 'allgather', 'ring-bidir'];

test('registry: every loss × strategy once, single first, complete, in the order plan and sweeps list them', () => {
  for (const loss of LOSSES) {
    assert.equal(STRATEGIES[loss][0], 'single');
    assert.equal(new Set(STRATEGIES[loss]).size, STRATEGIES[loss].length);
    assert.deepEqual(
      STRATEGIES[loss].filter((n) => PREVIOUS[loss].includes(n)),
      PREVIOUS[loss],
      loss,
    );
  }
  assert.deepEqual(
    STRATEGY_LIST.map((s) => s.key),
    Object.keys(STRATEGY_DEFS),
  );
  assert.deepEqual(
    DISTRIBUTED_NAMES.filter((n) => PREVIOUS_DISTRIBUTED.includes(n)),
    PREVIOUS_DISTRIBUTED,
  );
  for (const s of STRATEGY_LIST) {
    assert.ok((LOSSES as readonly string[]).includes(s.loss), s.key);
    assert.equal(`${s.loss}/${s.name}`, s.key);
    assert.equal(strategyOf(s.loss, s.name), s);
    assert.equal(s.oneDevice, s.name === 'single', `${s.key}: only 'single' runs the single-device loss`);
    assert.equal(typeof s.run, 'function', `${s.key}: a rank program`);
    assert.match(s.description, /^[^\n]{10,120}$/, `${s.key}: a one-line description`);
    for (const impl of IMPLS) assert.ok(MEMORY_CONSTANTS[`${s.key}/${impl}`], `${s.key}/${impl}: memory constants`);
  }
  assert.equal(Object.keys(MEMORY_CONSTANTS).length, STRATEGY_LIST.length * IMPLS.length);
  assert.equal(hasStrategy('siglip', 'allgather-local'), false);
  assert.throws(
    () => strategyOf('clip', 'allgather'),
    (e: Error) => e instanceof RangeError && e.message === 'unknown strategy clip/allgather',
  );
  assert.throws(() => flopsOf('siglip', 'naive', 'allgather-global', 2, 4, 8, 4), RangeError);
});

// ---- the formulas as they were before the registry (src/model/*.ts) ----

const singleFlops = (impl: ImplName, n: number, dim: number) => (impl === 'naive' ? 6 : 8) * n * n * dim;

function previousFlops(key: string, impl: ImplName, world: number, b: number, dim: number): number {
  const n = world * b;
  const n2d = n * n * dim;
  switch (key) {
    case 'clip/single':
    case 'siglip/single':
      return singleFlops(impl, n, dim);
    case 'clip/allgather-global':
      return world * singleFlops(impl, n, dim);
    case 'clip/allgather-local':
      return (impl === 'naive' ? 12 : 16) * n2d;
    case 'clip/ring':
      return 16 * n2d;
    case 'siglip/allgather':
    case 'siglip/ring':
    case 'siglip/ring-bidir':
      return 6 * n2d;
  }
  throw new RangeError(key);
}

function previousMemoryTerms(
  strategy: string,
  impl: ImplName,
  W: number,
  b: number,
  D: number,
  c: number,
): [number, number] {
  const n = W * b;
  const naive = impl === 'naive';
  if (strategy === 'single' || strategy === 'allgather-global') return [naive ? n * n : n * Math.min(c, n), n * D];
  if (strategy === 'allgather-local' || strategy === 'allgather') return [naive ? b * n : b * Math.min(c, n), n * D];
  return [naive ? b * b : b * Math.min(c, b), strategy === 'ring-bidir' ? W * b * D : b * D];
}

function previousLargestTensorBytes(
  strategy: string,
  impl: ImplName,
  n: number,
  b: number,
  D: number,
  c: number,
): number {
  const rows = strategy === 'single' || strategy === 'allgather-global' ? n : b;
  const cols = strategy === 'ring' || strategy === 'ring-bidir' ? b : n;
  const logits = impl === 'naive' ? rows * cols : rows * Math.min(c, cols);
  return 4 * Math.max(logits, n * D);
}

test('registry: FLOPs, memory terms and largest tensor equal the previous formulas (W = 1..4)', () => {
  let checked = 0;
  for (const { key, loss, name } of STRATEGY_LIST.filter((s) => PREVIOUS[s.loss].includes(s.name)))
    for (const W of name === 'single' ? [1] : [1, 2, 3, 4]) {
      for (const b of [1, 3, 64, 256])
        for (const D of [8, 768]) {
          for (const impl of IMPLS)
            for (const c of [4, 64, 1024]) {
              const at = `${key}/${impl} W=${W} b=${b} D=${D} c=${c}`;
              const q = { loss, impl, strategy: name, n: W * b, world: W, localBatch: b, dim: D, chunk: c };
              assert.equal(flopsOf(loss, impl, name, W, b, D, c), previousFlops(key, impl, W, b, D), `${at}: FLOPs`);
              assert.deepEqual(memoryTerms(q), previousMemoryTerms(name, impl, W, b, D, c), `${at}: memory terms`);
              const k = MEMORY_CONSTANTS[`${key}/${impl}`];
              const [L, F] = previousMemoryTerms(name, impl, W, b, D, c);
              assert.equal(
                predictPeakBytes({ ...q, bytesPerElement: 4 }),
                4 * (k.kLogit * L + k.kFeature * F),
                `${at}: peak bytes`,
              );
              assert.equal(
                largestTensorBytes({ ...q, link: resolveLink('nvlink4') }),
                previousLargestTensorBytes(name, impl, W * b, b, D, c),
                `${at}: largest tensor`,
              );
              checked++;
            }
        }
    }
  assert.equal(checked, (2 * 1 + 6 * 4) * 4 * 2 * 2 * 3);
});
