import { test } from 'node:test';
import assert from 'node:assert/strict';
import { predictedComm } from '../src/distributed/formulas.js';
import { commTimeMs, resolveLink } from '../src/model/comm.js';
import { flopsOf } from '../src/model/flops.js';
import { predictPeakBytes } from '../src/model/memory.js';
import { UsageError } from '../src/util/errors.js';

const E = 4 * 4096 * 768; // W = 8, b = 4096, D = 768, fp32

test('predictedComm: the byte formulas at W = 8, b = 4096, D = 768', () => {
  const at = (loss: 'clip' | 'siglip', s: string) => predictedComm(loss, s, 8, 4096, 768, 4);
  assert.deepEqual(at('clip', 'allgather-global'), { bytesSent: 14 * E, bytesReceived: 14 * E, rounds: 14 });
  assert.deepEqual(at('clip', 'allgather-local'), { bytesSent: 28 * E, bytesReceived: 28 * E, rounds: 28 });
  assert.deepEqual(at('clip', 'ring'), { bytesSent: 42 * E, bytesReceived: 42 * E, rounds: 15 });
  assert.deepEqual(at('siglip', 'allgather'), { bytesSent: 14 * E, bytesReceived: 14 * E, rounds: 14 });
  assert.deepEqual(at('siglip', 'ring'), { bytesSent: 14 * E, bytesReceived: 14 * E, rounds: 14 });
  assert.deepEqual(at('siglip', 'ring-bidir'), { bytesSent: 14 * E, bytesReceived: 14 * E, rounds: 8 });
  assert.equal(predictedComm('siglip', 'ring-bidir', 1, 4096, 768, 4).bytesSent, 0);
});

test('commTimeMs = rounds·α + bytes/β on presets and custom links', () => {
  assert.equal(commTimeMs(450e9, 0, resolveLink('nvlink4')), 1000);
  assert.ok(Math.abs(commTimeMs(0, 10, resolveLink('100gbe')) - 0.1) < 1e-12);
  const custom = resolveLink('nvlink4', { gbps: 10, latencyUs: 1 });
  assert.ok(Math.abs(commTimeMs(1e9, 1, custom) - 100.001) < 1e-9);
  assert.throws(() => resolveLink('carrier-pigeon'), UsageError);
  const latencyOnly = resolveLink('pcie5', { latencyUs: 1 });
  assert.equal(latencyOnly.bytesPerSecond, 64e9);
  assert.equal(latencyOnly.latencyS, 1e-6);
  const clean = (e: Error) => e instanceof UsageError && !/undefined|NaN|\n/.test(e.message);
  assert.throws(
    () => resolveLink('nvlink4', { gbps: 0 }),
    (e: Error) => clean(e) && /^link-gbps: expected a positive number of GB\/s, got 0$/.test(e.message),
  );
  assert.throws(
    () => resolveLink('nvlink4', { latencyUs: -1 }),
    (e: Error) => clean(e) && /^link-latency-us: /.test(e.message),
  );
  assert.throws(
    () => resolveLink('carrier-pigeon', { latencyUs: 1 }),
    (e: Error) => clean(e) && /^link: expected one of /.test(e.message),
  );
});

test('FLOPs: 6N²D naive, 8N²D chunked on one device; strategies count what they do', () => {
  const n = 1024;
  const d = 64;
  assert.equal(flopsOf('clip', 'naive', 'single', 1, n, d, 128), 6 * n * n * d);
  assert.equal(flopsOf('siglip', 'chunked', 'single', 1, n, d, 128), 8 * n * n * d);
  assert.equal(flopsOf('clip', 'naive', 'allgather-global', 4, n / 4, d, 128), 4 * 6 * n * n * d);
  assert.equal(flopsOf('siglip', 'chunked', 'ring', 4, n / 4, d, 128), 6 * n * n * d);
});

test('memory model: naive grows as N², chunked as N, rings flat in W', () => {
  const q = { loss: 'clip' as const, strategy: 'single', world: 1, dim: 64, chunk: 128, bytesPerElement: 4 };
  const naive = (n: number) => predictPeakBytes({ ...q, impl: 'naive', n, localBatch: n });
  const chunked = (n: number) => predictPeakBytes({ ...q, impl: 'chunked', n, localBatch: n });
  // measured on wasm (D = 64, c = 128): 1539.2 MiB naive (the textbook step), 29.63 MiB chunked at N = 4096
  assert.ok(Math.abs(naive(4096) / 2 ** 20 - 1539.2) / 1539.2 < 0.1, `naive 4096: ${naive(4096) / 2 ** 20} MiB`);
  assert.ok(Math.abs(chunked(4096) / 2 ** 20 - 29.63) / 29.63 < 0.1, `chunked 4096: ${chunked(4096) / 2 ** 20} MiB`);
  const ring = (W: number) =>
    predictPeakBytes({
      loss: 'siglip',
      impl: 'chunked',
      strategy: 'ring',
      n: W * 256,
      world: W,
      localBatch: 256,
      dim: 32,
      chunk: 64,
      bytesPerElement: 4,
    });
  assert.equal(ring(8), ring(2));
});
