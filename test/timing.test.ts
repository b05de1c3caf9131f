// Step timing spends samples where the spread needs them: a tight step keeps its minimum, a step with
// an outlier among its first samples gets more (at most twice the minimum).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { relativeSpread, timeStep, WIDE_SPREAD } from '../src/probes/timing.js';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A step whose successive calls take the given durations (the last one repeats). */
function stepOf(durations: number[]): { step: () => Promise<void>; calls: () => number } {
  let i = 0;
  return { step: () => sleep(durations[Math.min(i++, durations.length - 1)]!), calls: () => i };
}

test('a tight step keeps its minimum number of samples', async () => {
  const s = stepOf([30]);
  const t = await timeStep(s.step, { warmup: 0, minSamples: 3, budgetMs: 1 });
  assert.equal(t.samples, 3);
  assert.ok(t.medianMs >= 29, `median ${t.medianMs}`);
});

test('an outlier among the first samples buys more samples, and the median settles', async () => {
  const s = stepOf([30, 30, 120, 30]);
  const t = await timeStep(s.step, { warmup: 0, minSamples: 3, budgetMs: 1 });
  assert.ok(t.samples > 3 && t.samples <= 6, `${t.samples} samples`);
  assert.ok(t.medianMs < 60, `median ${t.medianMs} is the typical step, not the outlier`);
});

test('relative spread', () => {
  assert.equal(relativeSpread([10, 10, 10]), 0);
  assert.ok(relativeSpread([10, 10, 40]) > WIDE_SPREAD);
});
