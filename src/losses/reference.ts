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
  /**
   * Per output, the norm of the magnitudes of the terms it sums (|G|·|y| for dx, Σ|G∘l| for dt', …): what
   * float32 rounds, so the scale below which an output cannot be resolved (src/losses/accuracy.ts).
   */
  scale: { loss: number; dx: number; dy: number; dtPrime: number; dBias?: number };
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

const norm = (v: Float64Array) => Math.sqrt(v.reduce((a, e) => a + e * e, 0));

/** dx = t·G·y, dy = t·Gᵀ·x for a logit gradient G (N×N), and the norms of t·|G|·|y|, t·|G|ᵀ·|x|. */
function featureGrads(inp: RefInputs, t: number, grad: Float64Array) {
  const { n, d, x, y } = inp;
  const [dx, dy, ax, ay] = [0, 0, 0, 0].map(() => new Float64Array(n * d)) as [
    Float64Array,
    Float64Array,
    Float64Array,
    Float64Array,
  ];
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      const gij = t * grad[i * n + j]!;
      for (let k = 0; k < d; k++) {
        dx[i * d + k]! += gij * y[j * d + k]!;
        dy[j * d + k]! += gij * x[i * d + k]!;
        ax[i * d + k]! += Math.abs(gij * y[j * d + k]!);
        ay[j * d + k]! += Math.abs(gij * x[i * d + k]!);
      }
    }
  return { dx, dy, scaleDx: norm(ax), scaleDy: norm(ay) };
}

const softplus = (a: number) => Math.max(a, 0) + Math.log1p(Math.exp(-Math.abs(a)));
const sigmoid = (a: number) => (a >= 0 ? 1 / (1 + Math.exp(-a)) : Math.exp(a) / (1 + Math.exp(a)));

/**
 * One direction of CLIP's softmax over row i of `at(i, j)`: the off-diagonal probabilities P_ij (P_ii = 0
 * here), their sum, the row term softplus(lse_{j≠i} − l_ii) and Σ_{j≠i} P_ij·(l_ij − l_ii). Written so that
 * float64 resolves a dominant diagonal (t = 100 on correlated pairs: a term of ~1e-26, where lse − l_ii and
 * P_ii − 1 round to exactly 0).
 */
function softmaxRow(n: number, i: number, at: (i: number, j: number) => number) {
  const diag = at(i, i);
  let m = -Infinity;
  for (let j = 0; j < n; j++) m = Math.max(m, at(i, j));
  const e = Array.from({ length: n }, (_, j) => Math.exp(at(i, j) - m));
  const s = e.reduce((a, v) => a + v, 0);
  const sOff = e.reduce((a, v, j) => (j === i ? a : a + v), 0);
  const p = e.map((v, j) => (j === i ? 0 : v / s));
  const term = softplus(m + Math.log(sOff) - diag); // softplus(−∞) = 0 when nothing is off the diagonal
  const dt = p.reduce((a, v, j) => a + v * (at(i, j) - diag), 0);
  return { p, off: sOff / s, term, dt };
}

/**
 * CLIP's mean of the two cross-entropies in a form float64 resolves on every input (test/reference.test.ts
 * checks it against closed forms): the row terms through log1p, the diagonal's gradient −Σ_{j≠i} P_ij.
 */
export function clipReference(inp: RefInputs): RefResult {
  const { n } = inp;
  const t = Math.exp(inp.tPrime);
  const l = logits(inp, t, 0);
  const rows = Array.from({ length: n }, (_, i) => softmaxRow(n, i, (a, b) => l[a * n + b]!));
  const cols = Array.from({ length: n }, (_, j) => softmaxRow(n, j, (a, b) => l[b * n + a]!));
  const grad = new Float64Array(n * n);
  let loss = 0;
  let dtPrime = 0;
  let dtScale = 0;
  for (let i = 0; i < n; i++) {
    loss += rows[i]!.term + cols[i]!.term;
    dtPrime += rows[i]!.dt + cols[i]!.dt;
    for (let j = 0; j < n; j++) {
      grad[i * n + j] = (i === j ? -(rows[i]!.off + cols[i]!.off) : rows[i]!.p[j]! + cols[j]!.p[i]!) / (2 * n);
      dtScale += Math.abs(grad[i * n + j]! * l[i * n + j]!);
    }
  }
  const { dx, dy, scaleDx, scaleDy } = featureGrads(inp, t, grad);
  loss /= 2 * n;
  dtPrime /= 2 * n;
  return { loss, dx, dy, dtPrime, scale: { loss, dx: scaleDx, dy: scaleDy, dtPrime: dtScale } };
}

export function siglipReference(inp: RefInputs): RefResult {
  const { n } = inp;
  const t = Math.exp(inp.tPrime);
  const l = logits(inp, t, inp.bias);
  let loss = 0;
  let dtPrime = 0;
  let dBias = 0;
  let dtScale = 0;
  let dbScale = 0;
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
      dtScale += Math.abs(gij * (v - inp.bias));
      dbScale += Math.abs(gij);
    }
  const { dx, dy, scaleDx, scaleDy } = featureGrads(inp, t, grad);
  return {
    loss,
    dx,
    dy,
    dtPrime,
    dBias,
    scale: { loss, dx: scaleDx, dy: scaleDy, dtPrime: dtScale, dBias: dbScale },
  };
}

export const REFERENCES: Record<LossName, (inp: RefInputs) => RefResult> = {
  clip: clipReference,
  siglip: siglipReference,
};
