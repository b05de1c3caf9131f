// SigLIP's sigmoid loss (docs/design.md, "Losses and numerics"):
//   logits_ij = t·x_i·y_j + β,  z_ij = +1 if i = j else −1,  L = (1/N) Σ_ij softplus(−z_ij·logits_ij)
// Gradient with respect to the logits: G_ij = −z_ij·σ(−z_ij·logits_ij)/N; dx = t·G·y, dy = t·Gᵀ·x,
// dt' = Σ G_ij·(logits_ij − β), dβ = Σ G_ij. The chunked version finds the positives (the diagonal)
// inside each column strip from index ranges: no N×N label matrix.
import { tf, type Scalar, type Tensor, type Tensor2D } from '../engine/tf.js';
import type { LossInputs, LossStep, StepResult } from './types.js';
import { columnTiles, diagonalMask, softplus, sumAll } from './tiles.js';

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

/**
 * −z·logits for one column strip: the positives (the diagonal, rows start..start+w of this strip) are
 * negated through a mask built from two index ranges (N×w, like the strip; never an N×N label matrix).
 * Negating them, rather than correcting by −1 afterwards, keeps −σ(−l_ii) exact in float32 when
 * l_ii ≫ 0 (σ(l_ii) − 1 cancels catastrophically there).
 */
function signedStrip(logits: Tensor, start: number): { signed: Tensor; positive: Tensor } {
  const [n, w] = logits.shape as [number, number];
  const positive = diagonalMask(n, w, start);
  return { signed: tf.where(positive, tf.neg(logits), logits), positive };
}

function siglipForward(x: Tensor2D, y: Tensor2D, tPrime: Scalar, bias: Scalar, c: number): Scalar {
  const n = x.shape[0];
  return tf.tidy(() => {
    const xs = tf.mul(x, tf.exp(tPrime));
    let acc: Tensor = tf.scalar(0);
    for (const { start, size } of columnTiles(n, c)) {
      const next = tf.tidy(() => {
        const logits = tf.add(tf.matMul(xs, tf.slice(y, [start, 0], [size, -1]), false, true), bias);
        return tf.add(acc, sumAll(softplus(signedStrip(logits, start).signed)));
      });
      acc.dispose();
      acc = next;
    }
    return tf.div(acc, n) as Scalar;
  });
}

function siglipBackward(g: Tensor, x: Tensor2D, y: Tensor2D, tPrime: Scalar, bias: Scalar, c: number) {
  const n = x.shape[0];
  return tf.tidy(() => {
    const t = tf.exp(tPrime);
    const xs = tf.mul(x, t);
    const coef = tf.div(g, n);
    let dxAcc: Tensor = tf.zerosLike(x);
    let dtAcc: Tensor = tf.scalar(0);
    let dbAcc: Tensor = tf.scalar(0);
    const dyParts: Tensor[] = [];
    for (const { start, size } of columnTiles(n, c)) {
      const [dx2, dt2, db2, dyj] = tf.tidy(() => {
        const yj = tf.slice(y, [start, 0], [size, -1]);
        const scaled = tf.matMul(xs, yj, false, true); // logits − β
        const { signed, positive } = signedStrip(tf.add(scaled, bias), start);
        // d softplus(−z·l)/dl = −z·σ(−z·l)
        const s = tf.sigmoid(signed);
        const grad = tf.mul(tf.where(positive, tf.neg(s), s), coef);
        return [
          tf.add(dxAcc, tf.matMul(grad, yj)),
          tf.add(dtAcc, sumAll(tf.mul(grad, scaled))),
          tf.add(dbAcc, sumAll(grad)),
          tf.matMul(grad, x, true, false),
        ];
      });
      dxAcc.dispose();
      dtAcc.dispose();
      dbAcc.dispose();
      dxAcc = dx2!;
      dtAcc = dt2!;
      dbAcc = db2!;
      dyParts.push(dyj!);
    }
    const dx = tf.mul(dxAcc, t) as Tensor2D;
    const dy = tf.mul(tf.concat(dyParts, 0), t) as Tensor2D;
    return [dx, dy, dtAcc, dbAcc];
  });
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
        grads: { x: grads[0] as Tensor2D, y: grads[1] as Tensor2D, tPrime: grads[2] as Scalar, bias: grads[3] as Scalar },
      };
    });
}
