// SigLIP's sigmoid loss (docs/design.md, "Losses and numerics"):
//   logits_ij = t·x_i·y_j + β,  z_ij = +1 if i = j else −1,  L = (1/N) Σ_ij softplus(−z_ij·logits_ij)
// Gradient with respect to the logits: G_ij = −z_ij·σ(−z_ij·logits_ij)/N; dx = t·G·y, dy = t·Gᵀ·x,
// dt' = Σ G_ij·(logits_ij − β), dβ = Σ G_ij. The chunked version finds the positives (the diagonal)
// inside each column strip from index ranges: no N×N label matrix.
import { tf, type Scalar, type Tensor, type Tensor2D } from '../engine/tf.js';
import type { LossInputs, LossStep, StepResult } from './types.js';
import { sigmoidBlock, sigmoidBlockLoss, softplus, sumAll } from './blocks.js';

/** naive: the N×N logits and labels, as most implementations write it (big_vision's log-sigmoid form). */
export const siglipNaive: LossStep = ({ x, y, tPrime, bias }: LossInputs): StepResult => {
  const f = (xa: Tensor, ya: Tensor, tp: Tensor, b: Tensor): Scalar => {
    const n = xa.shape[0]!;
    const logits = tf.add(tf.matMul(tf.mul(xa, tf.exp(tp)), ya, false, true), b);
    const labels = tf.sub(tf.mul(tf.eye(n), 2), 1);
    return tf.div(sumAll(softplus(tf.neg(tf.mul(labels, logits)))), n) as Scalar;
  };
  return tf.tidy(() => {
    const { value, grads } = tf.valueAndGrads(f)([x, y, tPrime, bias]);
    return {
      loss: value as Scalar,
      grads: { x: grads[0] as Tensor2D, y: grads[1] as Tensor2D, tPrime: grads[2] as Scalar, bias: grads[3] as Scalar },
    };
  });
};

function siglipForward(x: Tensor2D, y: Tensor2D, tPrime: Scalar, bias: Scalar, c: number): Scalar {
  return tf.tidy(() => tf.div(sigmoidBlockLoss(x, y, tPrime, bias, 0, c), x.shape[0]) as Scalar);
}

/** The gradient pass of the tile library without the loss (the forward had it): [dx, dy, dt', dβ]. */
function siglipBackward(g: Tensor, x: Tensor2D, y: Tensor2D, tPrime: Scalar, bias: Scalar, c: number) {
  return tf.tidy(() => sigmoidBlock(x, y, tPrime, bias, tf.div(g, x.shape[0]) as Scalar, 0, c, false).slice(1));
}

/** chunked: only a running sum survives the forward; the backward recomputes each strip of width c. */
export function siglipChunked(c: number): LossStep {
  const op = tf.customGrad(((x: Tensor2D, y: Tensor2D, tPrime: Scalar, bias: Scalar, save: (ts: Tensor[]) => void) => {
    save([x, y, tPrime, bias]);
    return {
      value: siglipForward(x, y, tPrime, bias, c),
      gradFunc: (g: Tensor, saved: Tensor[]) => {
        const [sx, sy, st, sb] = saved as [Tensor2D, Tensor2D, Scalar, Scalar];
        return siglipBackward(g, sx, sy, st, sb, c);
      },
    };
  }) as never) as unknown as (x: Tensor, y: Tensor, tp: Tensor, b: Tensor) => Scalar;

  return ({ x, y, tPrime, bias }: LossInputs): StepResult =>
    tf.tidy(() => {
      const { value, grads } = tf.valueAndGrads(op)([x, y, tPrime, bias]);
      return {
        loss: value as Scalar,
        grads: {
          x: grads[0] as Tensor2D,
          y: grads[1] as Tensor2D,
          tPrime: grads[2] as Scalar,
          bias: grads[3] as Scalar,
        },
      };
    });
}
