// Seeded random inputs: unit-norm Gaussian rows, rounded to float32 so that the float64 reference sees
// exactly the numbers the float32 backend sees.
import { tf } from '../engine/tf.js';
import type { RefInputs } from './reference.js';
import { INIT, type LossInputs, type LossName } from './types.js';

/** mulberry32: small, fast and good enough for test inputs. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let r = Math.imul(a ^ (a >>> 15), 1 | a);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

/** A standard normal draw (Box–Muller). */
const gaussian = (next: () => number): number => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());

export function unitRows(n: number, d: number, next: () => number): Float32Array {
  const out = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    let norm = 0;
    for (let k = 0; k < d; k++) {
      const g = gaussian(next);
      out[i * d + k] = g;
      norm += g * g;
    }
    const inv = 1 / Math.sqrt(norm);
    for (let k = 0; k < d; k++) out[i * d + k] = out[i * d + k]! * inv;
  }
  return out;
}

export interface HostInputs {
  n: number;
  d: number;
  x: Float32Array;
  y: Float32Array;
  tPrime: number;
  bias: number;
}

export function randomInputs(
  loss: LossName,
  n: number,
  d: number,
  seed: number,
  tPrime = INIT[loss].tPrime,
): HostInputs {
  const next = rng(seed);
  return { n, d, x: unitRows(n, d, next), y: unitRows(n, d, next), tPrime: Math.fround(tPrime), bias: INIT[loss].bias };
}

/**
 * Correlated pairs: y_i = normalise(x_i + noise·g_i), g_i standard normal. At t = 100 the diagonal
 * dominates every row and column (P_ii ≈ 1): the hard case for forms that cancel (P_ii − 1, σ(l_ii) − 1).
 */
export function correlatedInputs(
  loss: LossName,
  n: number,
  d: number,
  seed: number,
  tPrime = INIT[loss].tPrime,
  noise = 0.01,
): HostInputs {
  const next = rng(seed);
  const x = unitRows(n, d, next);
  const y = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    const row = Array.from({ length: d }, (_, k) => x[i * d + k]! + noise * gaussian(next));
    const inv = 1 / Math.hypot(...row);
    row.forEach((v, k) => (y[i * d + k] = v * inv));
  }
  return { n, d, x, y, tPrime: Math.fround(tPrime), bias: INIT[loss].bias };
}

/** The input kinds of the checks: random unit rows; correlated pairs (y_i ≈ x_i: the diagonal dominates at
 * t = 100); duplicate rows (every other pair repeats its predecessor: ties in the softmax). The torch engine's
 * cases.py names the same kinds. */
export type InputKind = 'random' | 'correlated' | 'duplicates';

export function inputsOfKind(
  kind: InputKind,
  loss: LossName,
  n: number,
  d: number,
  seed: number,
  tPrime?: number,
): HostInputs {
  if (kind === 'correlated') return correlatedInputs(loss, n, d, seed, tPrime);
  const h = randomInputs(loss, n, d, seed, tPrime);
  if (kind === 'random') return h;
  return withDuplicates(
    h,
    Array.from({ length: Math.floor(n / 2) }, (_, k) => [2 * k, 2 * k + 1] as const),
  );
}

/** A copy of h whose pair `to` repeats pair `from` (x and y rows), for each [from, to]: ties in the softmax. */
export function withDuplicates(h: HostInputs, copies: readonly (readonly [number, number])[]): HostInputs {
  const x = Float32Array.from(h.x);
  const y = Float32Array.from(h.y);
  for (const [from, to] of copies) {
    x.copyWithin(to * h.d, from * h.d, (from + 1) * h.d);
    y.copyWithin(to * h.d, from * h.d, (from + 1) * h.d);
  }
  return { ...h, x, y };
}

export function toTensors(h: HostInputs): LossInputs {
  return {
    x: tf.tensor2d(h.x, [h.n, h.d]),
    y: tf.tensor2d(h.y, [h.n, h.d]),
    tPrime: tf.scalar(h.tPrime),
    bias: tf.scalar(h.bias),
  };
}

export function toReference(h: HostInputs): RefInputs {
  return { n: h.n, d: h.d, x: Float64Array.from(h.x), y: Float64Array.from(h.y), tPrime: h.tPrime, bias: h.bias };
}

/** Random unit-norm features generated on the device (for large benchmark sizes). */
export function deviceInputs(loss: LossName, n: number, d: number, seed: number): LossInputs {
  return tf.tidy(() => {
    const unit = (s: number) => {
      const g = tf.randomNormal([n, d], 0, 1, 'float32', s);
      return tf.div(g, tf.norm(g, 'euclidean', 1, true)) as tf.Tensor2D;
    };
    return { x: unit(seed), y: unit(seed + 1), tPrime: tf.scalar(INIT[loss].tPrime), bias: tf.scalar(INIT[loss].bias) };
  });
}

export function disposeInputs(inp: LossInputs): void {
  tf.dispose([inp.x, inp.y, inp.tPrime, inp.bias]);
}
