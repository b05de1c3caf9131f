// CLIP's softmax loss, both directions (docs/design.md, "Losses and numerics"):
//   logits_ij = t·x_i·y_j,  t = exp(t')
//   L = ½·[(1/N) Σ_i (lse_j logits_ij − logits_ii) + (1/N) Σ_j (lse_i logits_ij − logits_jj)]
// Gradient with respect to the logits: G_ij = (P_ij + Q_ij)/(2N) − δ_ij/N, where P is the row softmax
// and Q the column softmax; then dx = t·G·y, dy = t·Gᵀ·x and dt' = Σ G_ij·logits_ij. Both impls form
// the diagonal from the off-diagonal mass, −[(1 − P_ii) + (1 − Q_ii)]/(2N), never as a difference
// (src/losses/blocks.ts says why).
import { tf, type Scalar, type Tensor, type Tensor1D, type Tensor2D } from '../engine/tf.js';
import type { LossInputs, LossStep, StepResult } from './types.js';
import { oneHotLabels, rowDots, softmaxBlockGrads, softmaxInit, softmaxPairLoss, softmaxUpdate } from './blocks.js';

/**
 * naive: the textbook loss as open_clip writes it — the N×N logits (t·x)·yᵀ, the cross-entropy of each
 * row and of each column against its diagonal, autodiff for the backward. In float32 its diagonal term
 * lse − l_ii and gradient P_ii − 1 cancel when the diagonal dominates (t = 100, x_i ≈ y_i); resolving that
 * is what chunked's careful forms buy, and the per-row accuracy shows it.
 */
export const clipNaive: LossStep = ({ x, y, tPrime }: LossInputs): StepResult => {
  const f = (xa: Tensor, ya: Tensor, tp: Tensor): Scalar => {
    const n = xa.shape[0]!;
    const logits = tf.matMul(tf.mul(xa, tf.exp(tp)), ya, false, true);
    const labels = oneHotLabels(n, n, 0);
    const ce = (l: Tensor) => tf.losses.softmaxCrossEntropy(labels, l); // the mean over rows
    return tf.div(tf.add(ce(logits), ce(tf.transpose(logits))), 2) as Scalar;
  };
  return tf.tidy(() => {
    const { value, grads } = tf.valueAndGrads(f)([x, y, tPrime]);
    return {
      loss: value as Scalar,
      grads: { x: grads[0] as Tensor2D, y: grads[1] as Tensor2D, tPrime: grads[2] as Scalar },
    };
  });
};

/**
 * Forward over column strips (N×c) of the tile library: the row softmax is accumulated online, each
 * strip's columns are complete. Only O(N) state survives: the softmax state (max, sum, off-diagonal sum)
 * of every row and column, which the backward's diagonal needs.
 */
function clipForward(x: Tensor2D, y: Tensor2D, tPrime: Scalar, c: number) {
  const n = x.shape[0];
  return tf.tidy(() => {
    const xs = tf.mul(x, tf.exp(tPrime)) as Tensor2D;
    const { state: rows, cols } = softmaxUpdate(softmaxInit(n), xs, y, 0, c, true);
    const diag = rowDots(xs, y);
    const loss = tf.div(tf.add(softmaxPairLoss(rows, diag), softmaxPairLoss(cols!, diag)), 2 * n) as Scalar;
    return { loss, state: [rows.m, rows.s, rows.sOff, cols!.m, cols!.s, cols!.sOff] as const };
  });
}

/** Backward: recompute each strip, form its G (rows and columns together), accumulate dx, emit dy's rows. */
function clipBackward(g: Tensor, x: Tensor2D, y: Tensor2D, tPrime: Scalar, state: readonly Tensor[], c: number) {
  const n = x.shape[0];
  const [mR, sR, offR, mC, sC, offC] = state as Tensor1D[];
  return tf.tidy(() => {
    const rows = { m: mR!, s: sR!, sOff: offR! };
    const cols = { m: mC!, s: sC!, sOff: offC! };
    return softmaxBlockGrads(x, y, tPrime, rows, cols, tf.div(g, 2 * n) as Scalar, 0, c);
  });
}

/** chunked: a custom gradient whose backward recomputes one column strip of width c at a time. */
export function clipChunked(c: number): LossStep {
  const op = tf.customGrad(((x: Tensor2D, y: Tensor2D, tPrime: Scalar, save: (ts: Tensor[]) => void) => {
    const { loss, state } = clipForward(x, y, tPrime, c);
    save([x, y, tPrime, ...state]);
    tf.dispose([...state]);
    return {
      value: loss,
      gradFunc: (g: Tensor, saved: Tensor[]) => {
        const [sx, sy, st, ...rest] = saved as [Tensor2D, Tensor2D, Scalar, ...Tensor[]];
        return clipBackward(g, sx, sy, st, rest, c);
      },
    };
  }) as never) as unknown as (x: Tensor, y: Tensor, tp: Tensor) => Scalar;

  return ({ x, y, tPrime }: LossInputs): StepResult =>
    tf.tidy(() => {
      const { value, grads } = tf.valueAndGrads(op)([x, y, tPrime]);
      return {
        loss: value as Scalar,
        grads: { x: grads[0] as Tensor2D, y: grads[1] as Tensor2D, tPrime: grads[2] as Scalar },
      };
    });
}
