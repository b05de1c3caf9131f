// Step time through tinybench. Its hooks run outside the timed window, so the task itself waits for
// the device: the timed function returns only once the step's work has finished.
import { Bench } from 'tinybench';

export interface StepTiming {
  medianMs: number;
  p10Ms: number;
  p90Ms: number;
  samples: number;
}

/** Linear-interpolated quantile of ascending-sorted samples. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/**
 * Above this relative spread, (p90 − p10) / median, the median is not settled yet: one outlier among a
 * few samples of a slow step moves it. Such a step gets more samples; a tight one keeps its few.
 */
export const WIDE_SPREAD = 0.2;

/** (p90 − p10) / median of ascending-sorted samples. */
export function relativeSpread(sorted: readonly number[]): number {
  const median = quantile(sorted, 0.5);
  return median > 0 ? (quantile(sorted, 0.9) - quantile(sorted, 0.1)) / median : 0;
}

/** `iterations` timed calls, and more while `timeMs` lasts; the samples in ms. */
async function sample(step: () => Promise<void>, iterations: number, timeMs: number): Promise<number[]> {
  const bench = new Bench({ iterations, time: timeMs, warmup: false, retainSamples: true, throws: true });
  bench.add('step', step);
  await bench.run();
  const result = bench.tasks[0]!.result;
  if (result.state !== 'completed') throw new Error(`timing did not complete (${result.state})`);
  return [...(result.latency.samples ?? [])];
}

/**
 * Times `step` (which must synchronise the device before resolving): `warmup` untimed calls, then at
 * least `minSamples` timed calls and more while `budgetMs` lasts. Samples are spent where the spread
 * needs them: while it is wider than WIDE_SPREAD, up to `minSamples` more are taken, one at a time.
 */
export async function timeStep(
  step: () => Promise<void>,
  opts: { warmup: number; minSamples: number; budgetMs: number },
): Promise<StepTiming> {
  for (let i = 0; i < opts.warmup; i++) await step();
  const samples = (await sample(step, opts.minSamples, opts.budgetMs)).sort((a, b) => a - b);
  if (samples.length === 0) throw new Error('tinybench returned no samples');
  for (let extra = 0; extra < opts.minSamples && relativeSpread(samples) > WIDE_SPREAD; extra++) {
    samples.push(...(await sample(step, 1, 0)));
    samples.sort((a, b) => a - b);
  }
  return {
    medianMs: quantile(samples, 0.5),
    p10Ms: quantile(samples, 0.1),
    p90Ms: quantile(samples, 0.9),
    samples: samples.length,
  };
}
