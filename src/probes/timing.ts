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
 * Times `step` (which must synchronise the device before resolving): `warmup` untimed calls, then at
 * least `minSamples` timed calls and more while `budgetMs` lasts.
 */
export async function timeStep(step: () => Promise<void>, opts: { warmup: number; minSamples: number; budgetMs: number }): Promise<StepTiming> {
  for (let i = 0; i < opts.warmup; i++) await step();
  const bench = new Bench({ iterations: opts.minSamples, time: opts.budgetMs, warmup: false, retainSamples: true, throws: true });
  bench.add('step', step);
  await bench.run();
  const result = bench.tasks[0]!.result;
  if (result.state !== 'completed') throw new Error(`timing did not complete (${result.state})`);
  const samples = [...(result.latency.samples ?? [])].sort((a, b) => a - b);
  if (samples.length === 0) throw new Error('tinybench returned no samples');
  return { medianMs: quantile(samples, 0.5), p10Ms: quantile(samples, 0.1), p90Ms: quantile(samples, 0.9), samples: samples.length };
}
