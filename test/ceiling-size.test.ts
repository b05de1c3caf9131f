// `ceiling --batch N`: a given N whose N×N output the backend cannot hold is refused with the largest
// power of two that fits (issue 19 item 9: 1e9 was an internal tensor-shape error, 100000 became 12500);
// the default N is lowered to a power of two.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkCeilingSize, largestBindableN } from '../src/probes/matmul.js';
import type { BackendReady } from '../src/engine/backend.js';
import { UsageError } from '../src/util/errors.js';

const wasm = { name: 'wasm', maxTensorBytes: 2 ** 31 } as BackendReady;

test('largestBindableN: N itself when it fits, else a power of two', () => {
  assert.equal(largestBindableN(3000, 2 ** 31), 3000);
  assert.equal(largestBindableN(100_000, 2 ** 31), 16384);
  assert.equal(largestBindableN(1e9, 2 ** 31), 16384);
  assert.equal(largestBindableN(1e9, null), 1e9);
});

test('checkCeilingSize: a given N too large is refused with the N that fits; the default is lowered', () => {
  for (const n of [1e9, 100_000])
    assert.throws(
      () => checkCeilingSize(n, 8, wasm, true),
      (e: unknown) =>
        e instanceof UsageError &&
        /^batch: .* the largest power of two that fits is 16384: give --batch 16384/.test(e.message),
    );
  assert.doesNotThrow(() => checkCeilingSize(100_000, 8, wasm, false));
  assert.doesNotThrow(() => checkCeilingSize(4096, 512, wasm, true));
  // No binding limit (cpu): the memory decides.
  assert.throws(
    () => checkCeilingSize(1e9, 8, { name: 'cpu', maxTensorBytes: null } as BackendReady, true),
    /batch: a 1000000000×8 by 8×1000000000 matMul needs .* more than the .* of RAM here/,
  );
});
