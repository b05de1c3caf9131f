// Simulated devices (tfjs, W > 1): the worker measures each device's own compute time, apart from the
// whole simulated step (all W devices in turn) and from the collectives (whose time is modelled).
import { resolveLink } from '../src/model/comm.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runJob } from '../src/harness/worker.js';
import type { ScenarioSpec } from '../src/results/scenario.js';

const spec = (strategy: string, world: number): ScenarioSpec => ({
  loss: 'clip',
  impl: 'chunked',
  strategy,
  n: 256,
  world,
  localBatch: 256 / world,
  dim: 32,
  chunk: 32,
  warmup: 1,
  samples: 3,
  timeBudgetMs: 1,
  seed: 1,
  link: resolveLink('nvlink4'),
});

test('tfjs worker: the busiest simulated device’s compute time, less than the whole simulated step', async () => {
  const r = await runJob({ protocol: 1, engine: 'tfjs', backend: 'cpu', spec: spec('allgather-local', 4) });
  assert.equal(r.status, 'ok', r.reason);
  assert.ok(r.device_compute_ms! > 0, `device compute ${r.device_compute_ms}`);
  // Four devices do equal shares one after another: one device's share is well under the whole step.
  assert.ok(r.device_compute_ms! < 0.75 * r.step_ms_median!, `${r.device_compute_ms} vs step ${r.step_ms_median}`);
  const one = await runJob({ protocol: 1, engine: 'tfjs', backend: 'cpu', spec: spec('single', 1) });
  assert.equal(one.status, 'ok', one.reason);
  assert.equal(one.device_compute_ms, null, 'one device: the step is its time');
});
