// CLIP's softmax loss, both directions (DESIGN.md):
//   logits_ij = t·x_i·y_j,  t = exp(t')
//   L = ½·[(1/N) Σ_i (lse_j logits_ij − logits_ii) + (1/N) Σ_j (lse_i logits_ij − logits_jj)]
// Gradient with respect to the logits: G_ij = (P_ij + Q_ij)/(2N) − δ_ij/N, where P is the row softmax
// and Q the column softmax; then dx = t·G·y, dy = t·Gᵀ·x and dt' = Σ G_ij·logits_ij.
import { tf, type Scalar, type Tensor, type Tensor2D } from '../engine/tf.js';
import type { LossInputs, LossStep, StepResult } from './types.js';
import { columnTiles, rowDots, sumAll } from './tiles.js';

/** naive: materialise the N×N logits and let autodiff do the backward. */
export const clipNaive: LossStep = ({ x, y, tPrime }: LossInputs): StepResult => {
  const f = (xa: Tensor, ya: Tensor, tp: Tensor): Scalar => {
    const n = xa.shape[0]!;
    // (t·x)·yᵀ, as open_clip writes it: the scale meets the N×D features, not the N×N logits.
    const xs = tf.mul(xa, tf.exp(tp));
    const logits = tf.matMul(xs, ya, false, true);
    const diag = rowDots(xs, ya);
    const rows = tf.sum(tf.logSumExp(logits, 1));
    const cols = tf.sum(tf.logSumExp(logits, 0));
    return tf.div(tf.sub(tf.add(rows, cols), tf.mul(tf.sum(diag), 2)), 2 * n) as Scalar;
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
 * Forward over column strips (N×c): the row log-sum-exp is accumulated online (running max and sum),
 * each strip's column log-sum-exp is complete. Only the O(N) state survives the forward.
 */
function clipForward(x: Tensor2D, y: Tensor2D, tPrime: Scalar, c: number) {
  const n = x.shape[0];
  return tf.tidy(() => {
    const t = tf.exp(tPrime);
    const xs = tf.mul(x, t);
    let m: Tensor = tf.fill([n], -Infinity);
    let s: Tensor = tf.zeros([n]);
    const colLse: Tensor[] = [];
    for (const { start, size } of columnTiles(n, c)) {
      const [m2, s2, cl] = tf.tidy(() => {
        const yj = tf.slice(y, [start, 0], [size, -1]);
        const logits = tf.matMul(xs, yj, false, true); // N×w, the only tile alive
        const mNew = tf.maximum(m, tf.max(logits, 1));
        const sNew = tf.add(
          tf.mul(s, tf.exp(tf.sub(m, mNew))),
          tf.sum(tf.exp(tf.sub(logits, tf.expandDims(mNew, 1))), 1),
        );
        return [mNew, sNew, tf.logSumExp(logits, 0)];
      });
      m.dispose();
      s.dispose();
      m = m2!;
      s = s2!;
      colLse.push(cl!);
    }
    const lseRows = tf.add(m, tf.log(s));
    const lseCols = tf.concat(colLse, 0);
    const diagSum = tf.mul(tf.sum(rowDots(x, y)), t);
    const loss = tf.div(tf.sub(tf.add(tf.sum(lseRows), tf.sum(lseCols)), tf.mul(diagSum, 2)), 2 * n) as Scalar;
    return { loss, lseRows, lseCols };
  });
}

/** Backward: recompute each strip, form its G, accumulate dx and emit that strip's rows of dy. */
function clipBackward(g: Tensor, x: Tensor2D, y: Tensor2D, tPrime: Scalar, lseRows: Tensor, lseCols: Tensor, c: number) {
  const n = x.shape[0];
  return tf.tidy(() => {
    const t = tf.exp(tPrime);
    const xs = tf.mul(x, t);
    const coef = tf.div(g, 2 * n);
    const lseR = tf.expandDims(lseRows, 1);
    let dxAcc: Tensor = tf.zerosLike(x);
    let dtAcc: Tensor = tf.scalar(0);
    const dyParts: Tensor[] = [];
    for (const { start, size } of columnTiles(n, c)) {
      const [dx2, dt2, dyj] = tf.tidy(() => {
        const yj = tf.slice(y, [start, 0], [size, -1]);
        const logits = tf.matMul(xs, yj, false, true);
        const lseC = tf.expandDims(tf.slice(lseCols, [start], [size]), 0);
        const grad = tf.mul(tf.add(tf.exp(tf.sub(logits, lseR)), tf.exp(tf.sub(logits, lseC))), coef);
        return [
          tf.add(dxAcc, tf.matMul(grad, yj)),
          tf.add(dtAcc, sumAll(tf.mul(grad, logits))),
          tf.matMul(grad, x, true, false),
        ];
      });
      dxAcc.dispose();
      dtAcc.dispose();
      dxAcc = dx2!;
      dtAcc = dt2!;
      dyParts.push(dyj!);
    }
    // The diagonal term −δ_ij/N of G, applied in closed form (no N×N label matrix).
    const diagCoef = tf.mul(tf.div(g, n), t);
    const dx = tf.sub(tf.mul(dxAcc, t), tf.mul(y, diagCoef)) as Tensor2D;
    const dy = tf.sub(tf.mul(tf.concat(dyParts, 0), t), tf.mul(x, diagCoef)) as Tensor2D;
    const dt = tf.sub(dtAcc, tf.mul(tf.sum(rowDots(x, y)), diagCoef)) as Scalar;
    return [dx, dy, dt];
  });
}

/** chunked: a custom gradient whose backward recomputes one column strip of width c at a time. */
export function clipChunked(c: number): LossStep {
  const op = tf.customGrad(((x: Tensor2D, y: Tensor2D, tPrime: Scalar, save: (ts: Tensor[]) => void) => {
    const { loss, lseRows, lseCols } = clipForward(x, y, tPrime, c);
    save([x, y, tPrime, lseRows, lseCols]);
    lseRows.dispose();
    lseCols.dispose();
    return {
      value: loss,
      gradFunc: (g: Tensor, saved: Tensor[]) => {
        const [sx, sy, st, sr, sc] = saved as [Tensor2D, Tensor2D, Scalar, Tensor, Tensor];
        return clipBackward(g, sx, sy, st, sr, sc, c);
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
