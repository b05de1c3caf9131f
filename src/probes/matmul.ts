// The backend's own ceiling: a plain N×D by D×N matMul, timed like a loss step (synchronised on the
// device queue, never reading the N×N result back: that would time the copy to the host instead).
import { tf } from '../engine/tf.js';
import type { BackendReady } from '../engine/backend.js';
import { timeStep, type StepTiming } from './timing.js';

export interface MatmulCeiling {
  n: number;
  dim: number;
  flops: number;
  timing: StepTiming;
  flops_per_s: number;
  note: string;
}

/** Largest power of two ≤ want whose N×N float32 output fits one buffer binding of the backend. */
export function largestBindableN(want: number, maxTensorBytes: number | null): number {
  let n = want;
  while (maxTensorBytes !== null && n * n * 4 > maxTensorBytes && n > 1) n /= 2;
  return n;
}

export async function matmulCeiling(
  backend: BackendReady,
  wantN: number,
  dim: number,
  opts = { warmup: 2, minSamples: 10, budgetMs: 2000 },
): Promise<MatmulCeiling> {
  const n = largestBindableN(wantN, backend.maxTensorBytes);
  const x = tf.randomNormal([n, dim], 0, 1, 'float32', 1);
  const y = tf.randomNormal([n, dim], 0, 1, 'float32', 2);
  try {
    const timing = await timeStep(async () => {
      const out = tf.matMul(x, y, false, true);
      // One element that depends on the matMul: reading it submits and waits for the work, and
      // moves 4 bytes, not the N×N result.
      const corner = tf.slice(out, [0, 0], [1, 1]);
      await corner.data();
      await backend.sync();
      tf.dispose([out, corner]);
    }, opts);
    const flops = 2 * n * n * dim;
    const note =
      n === wantN ? '' : `N lowered from ${wantN} to ${n}: the N×N output must fit one ${backend.name} buffer binding`;
    return { n, dim, flops, timing, flops_per_s: flops / (timing.medianMs / 1000), note };
  } finally {
    tf.dispose([x, y]);
  }
}
