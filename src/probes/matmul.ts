// The backend's own ceiling: a plain N×D by D×N matMul, timed like a loss step (synchronised on the
// device queue, never reading the N×N result back: that would time the copy to the host instead).
import os from 'node:os';
import { tf } from '../engine/tf.js';
import type { BackendReady } from '../engine/backend.js';
import { timeStep, type StepTiming } from './timing.js';
import { formatBytes } from '../util/format.js';
import { UsageError } from '../util/errors.js';

export interface MatmulCeiling {
  n: number;
  dim: number;
  flops: number;
  timing: StepTiming;
  flops_per_s: number;
  note: string;
}

/** `want` when its N×N float32 output fits one buffer binding, else the largest power of two below it that does. */
export function largestBindableN(want: number, maxTensorBytes: number | null): number {
  if (maxTensorBytes === null || want * want * 4 <= maxTensorBytes) return want;
  let n = 2 ** Math.floor(Math.log2(want));
  while (n > 1 && n * n * 4 > maxTensorBytes) n /= 2;
  return n;
}

/**
 * The matMul must fit: its N×N output one buffer binding (a given N that does not is refused, naming the
 * largest power of two that does; the default N is lowered to it), and all three tensors the memory here.
 */
export function checkCeilingSize(n: number, dim: number, ready: BackendReady, given: boolean): void {
  const fits = largestBindableN(n, ready.maxTensorBytes);
  const out = formatBytes(4 * n * n);
  if (given && fits !== n)
    throw new UsageError(
      `batch: the ${n}×${n} float32 output (${out}) exceeds the largest tensor ${ready.name} can hold ` +
        `(${formatBytes(ready.maxTensorBytes)}); the largest power of two that fits is ${fits}: give --batch ${fits} or less`,
    );
  const total = 4 * (fits * fits + 2 * fits * dim);
  const memory = Math.min(os.totalmem(), ready.name === 'wasm' ? 4 * 2 ** 30 : Infinity);
  if (total > memory)
    throw new UsageError(
      `batch: a ${fits}×${dim} by ${dim}×${fits} matMul needs ${formatBytes(total)}, more than the ` +
        `${formatBytes(memory)} ${ready.name === 'wasm' ? 'wasm32 can address' : 'of RAM here'}; give a smaller --batch or --dim`,
    );
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
