// Float64 ground truth in plain TypeScript: both losses and their closed-form gradients.
// Features are row-major N×D Float64Arrays.
import type { LossName } from './types.js';

export interface RefInputs {
  n: number;
  d: number;
  x: Float64Array;
  y: Float64Array;
  tPrime: number;
  bias: number;
}

export interface RefResult {
  loss: number;
  dx: Float64Array;
  dy: Float64Array;
  dtPrime: number;
  /** SigLIP only. */
  dBias?: number;
}

function logits(inp: RefInputs, t: number, bias: number): Float64Array {
  const { n, d, x, y } = inp;
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let dot = 0;
      for (let k = 0; k < d; k++) dot += x[i * d + k]! * y[j * d + k]!;
      out[i * n + j] = t * dot + bias;
    }
  return out;
}

/** dx = t·G·y, dy = t·Gᵀ·x for a logit gradient G (N×N). */
function featureGrads(inp: RefInputs, t: number, grad: Float64Array): { dx: Float64Array; dy: Float64Array } {
  const { n, d, x, y } = inp;
  const dx = new Float64Array(n * d);
  const dy = new Float64Array(n * d);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      const gij = t * grad[i * n + j]!;
      for (let k = 0; k < d; k++) {
        dx[i * d + k]! += gij * y[j * d + k]!;
        dy[j * d + k]! += gij * x[i * d + k]!;
      }
    }
  return { dx, dy };
}

function lse(values: number[]): number {
  const m = Math.max(...values);
  return m + Math.log(values.reduce((acc, v) => acc + Math.exp(v - m), 0));
}

export function clipReference(inp: RefInputs): RefResult {
  const { n } = inp;
  const t = Math.exp(inp.tPrime);
  const l = logits(inp, t, 0);
  const row = (i: number) => Array.from({ length: n }, (_, j) => l[i * n + j]!);
  const col = (j: number) => Array.from({ length: n }, (_, i) => l[i * n + j]!);
  const lseR = Array.from({ length: n }, (_, i) => lse(row(i)));
  const lseC = Array.from({ length: n }, (_, j) => lse(col(j)));
  let loss = 0;
  for (let i = 0; i < n; i++) loss += lseR[i]! + lseC[i]! - 2 * l[i * n + i]!;
  loss /= 2 * n;
  const grad = new Float64Array(n * n);
  let dtPrime = 0;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      const v = l[i * n + j]!;
      const gij = (Math.exp(v - lseR[i]!) + Math.exp(v - lseC[j]!)) / (2 * n) - (i === j ? 1 / n : 0);
      grad[i * n + j] = gij;
      dtPrime += gij * v;
    }
  return { loss, ...featureGrads(inp, t, grad), dtPrime };
}

const softplus = (a: number) => Math.max(a, 0) + Math.log1p(Math.exp(-Math.abs(a)));
const sigmoid = (a: number) => (a >= 0 ? 1 / (1 + Math.exp(-a)) : Math.exp(a) / (1 + Math.exp(a)));

export function siglipReference(inp: RefInputs): RefResult {
  const { n } = inp;
  const t = Math.exp(inp.tPrime);
  const l = logits(inp, t, inp.bias);
  let loss = 0;
  let dtPrime = 0;
  let dBias = 0;
  const grad = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      const v = l[i * n + j]!;
      const z = i === j ? 1 : -1;
      loss += softplus(-z * v) / n;
      const gij = (-z * sigmoid(-z * v)) / n;
      grad[i * n + j] = gij;
      dtPrime += gij * (v - inp.bias);
      dBias += gij;
    }
  return { loss, ...featureGrads(inp, t, grad), dtPrime, dBias };
}

export const REFERENCES: Record<LossName, (inp: RefInputs) => RefResult> = {
  clip: clipReference,
  siglip: siglipReference,
};
