// Shared pieces of the tiled (chunked) losses: column ranges and a numerically stable softplus that
// every backend has (wasm registers no Softplus kernel).
import { tf, type Tensor } from '../engine/tf.js';

export interface ColumnRange {
  start: number;
  size: number;
}

/** Column tiles [start, start+size) of width c covering 0..n; the last one may be narrower. */
export function columnTiles(n: number, c: number): ColumnRange[] {
  if (!Number.isInteger(c) || c < 1) throw new RangeError(`chunk size must be a positive integer, got ${c}`);
  const tiles: ColumnRange[] = [];
  for (let start = 0; start < n; start += c) tiles.push({ start, size: Math.min(c, n - start) });
  return tiles;
}

/** softplus(s) = max(s, 0) + log1p(exp(−|s|)): exact in float32 for any s, and differentiable. */
export function softplus(s: Tensor): Tensor {
  return tf.tidy(() => tf.add(tf.relu(s), tf.log1p(tf.exp(tf.neg(tf.abs(s))))));
}

/** Row-wise dot products x_i·y_i (N). */
export function rowDots(x: Tensor, y: Tensor): Tensor {
  return tf.tidy(() => tf.sum(tf.mul(x, y), 1));
}

/**
 * Sum of a 2-D tile in two stages (rows, then their sums). A single float32 reduction over N·c terms
 * loses ~1e-4 relative accuracy on wasm at N = 257; two stages keep the error near (N + c)·ε.
 */
export function sumAll(t: Tensor): Tensor {
  return tf.tidy(() => (t.rank === 2 ? tf.sum(tf.sum(t, 1)) : tf.sum(t)));
}
