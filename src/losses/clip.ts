// CLIP's softmax loss, both directions (docs/design.md, "Losses and numerics"):
//   logits_ij = t·x_i·y_j,  t = exp(t')
//   L = ½·[(1/N) Σ_i (lse_j logits_ij − logits_ii) + (1/N) Σ_j (lse_i logits_ij − logits_jj)]
// Gradient with respect to the logits: G_ij = (P_ij + Q_ij)/(2N) − δ_ij/N, where P is the row softmax
// and Q the column softmax; then dx = t·G·y, dy = t·Gᵀ·x and dt' = Σ G_ij·logits_ij.
import { tf, type Scalar, type Tensor, type Tensor2D } from '../engine/tf.js';
import type { LossInputs, LossStep, StepResult } from './types.js';
import { columnTiles, diagonalMask, rowDots, softplus, sumAll } from './tiles.js';

/**
 * naive: materialise the N×N logits and let autodiff do the backward. Each direction's term is written
 * lse_j(l_ij) − l_ii = softplus(lse_{j≠i}(l_ij) − l_ii), the diagonal masked out: autodiff then yields
 * the diagonal's gradient as −σ(·) = −(1 − P_ii) directly. The textbook lse − diag form yields P_ii − 1,
 * which in float32 loses ~1e-3 relative accuracy when the diagonal dominates (t = 100).
 */
export const clipNaive: LossStep = ({ x, y, tPrime }: LossInputs): StepResult => {
  const f = (xa: Tensor, ya: Tensor, tp: Tensor): Scalar => {
    const n = xa.shape[0]!;
    // (t·x)·yᵀ, as open_clip writes it: the scale meets the N×D features, not the N×N logits.
    const xs = tf.mul(xa, tf.exp(tp));
    const logits = tf.matMul(xs, ya, false, true);
    const diag = rowDots(xs, ya);
    // exp(−1e30) is 0; finite, so N = 1 (nothing off the diagonal) gives 0, not NaN
    const offDiag = tf.where(tf.logicalNot(diagonalMask(n, n, 0)), logits, tf.scalar(-1e30));
    const rows = tf.sub(tf.logSumExp(offDiag, 1), diag);
    const cols = tf.sub(tf.logSumExp(offDiag, 0), diag);
    return tf.div(tf.add(tf.sum(softplus(rows)), tf.sum(softplus(cols))), 2 * n) as Scalar;
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
 * each strip's column log-sum-exp is complete. Only O(N) state survives: the log-sum-exps and the
 * off-diagonal softmax mass of each row (1 − P_ii) and column (1 − Q_jj), summed with the diagonal
 * masked out. The backward needs them because G_ii = −[(1 − P_ii) + (1 − Q_ii)]/(2N): computed as
 * P_ii + Q_ii − 2 it cancels catastrophically when the diagonal dominates (t = 100, say).
 */
function clipForward(x: Tensor2D, y: Tensor2D, tPrime: Scalar, c: number) {
  const n = x.shape[0];
  return tf.tidy(() => {
    const t = tf.exp(tPrime);
    const xs = tf.mul(x, t);
    let m: Tensor = tf.fill([n], -Infinity);
    let s: Tensor = tf.zeros([n]);
    let sOff: Tensor = tf.zeros([n]);
    const colLse: Tensor[] = [];
    const colOff: Tensor[] = [];
    for (const { start, size } of columnTiles(n, c)) {
      const [m2, s2, sOff2, cl, co] = tf.tidy(() => {
        const logits = tf.matMul(xs, tf.slice(y, [start, 0], [size, -1]), false, true); // N×w, the only tile alive
        const offDiag = tf.logicalNot(diagonalMask(n, size, start));
        // rows: online (max, sum) of exp, rescaled as the max grows; the off-diagonal sum alongside
        const mNew = tf.maximum(m, tf.max(logits, 1));
        const scale = tf.exp(tf.sub(m, mNew));
        const e = tf.exp(tf.sub(logits, tf.expandDims(mNew, 1)));
        const zeros = tf.zerosLike(e);
        const sNew = tf.add(tf.mul(s, scale), tf.sum(e, 1));
        const sOffNew = tf.add(tf.mul(sOff, scale), tf.sum(tf.where(offDiag, e, zeros), 1));
        // columns: complete within the strip
        const cm = tf.max(logits, 0);
        const ec = tf.exp(tf.sub(logits, tf.expandDims(cm, 0)));
        const cs = tf.sum(ec, 0);
        return [mNew, sNew, sOffNew, tf.add(cm, tf.log(cs)), tf.div(tf.sum(tf.where(offDiag, ec, zeros), 0), cs)];
      });
      tf.dispose([m, s, sOff]);
      m = m2!;
      s = s2!;
      sOff = sOff2!;
      colLse.push(cl!);
      colOff.push(co!);
    }
    const lseRows = tf.add(m, tf.log(s));
    const lseCols = tf.concat(colLse, 0);
    const offRows = tf.div(sOff, s);
    const offCols = tf.concat(colOff, 0);
    const diagSum = tf.mul(tf.sum(rowDots(x, y)), t);
    const loss = tf.div(tf.sub(tf.add(tf.sum(lseRows), tf.sum(lseCols)), tf.mul(diagSum, 2)), 2 * n) as Scalar;
    return { loss, state: [lseRows, lseCols, offRows, offCols] as const };
  });
}

/** Backward: recompute each strip, form its G, accumulate dx and emit that strip's rows of dy. */
function clipBackward(g: Tensor, x: Tensor2D, y: Tensor2D, tPrime: Scalar, state: readonly Tensor[], c: number) {
  const n = x.shape[0];
  const [lseRows, lseCols, offRows, offCols] = state as [Tensor, Tensor, Tensor, Tensor];
  return tf.tidy(() => {
    const t = tf.exp(tPrime);
    const xs = tf.mul(x, t);
    const coef = tf.div(g, 2 * n);
    const lseR = tf.expandDims(lseRows, 1);
    const offR = tf.expandDims(offRows, 1);
    let dxAcc: Tensor = tf.zerosLike(x);
    let dtAcc: Tensor = tf.scalar(0);
    const dyParts: Tensor[] = [];
    for (const { start, size } of columnTiles(n, c)) {
      const [dx2, dt2, dyj] = tf.tidy(() => {
        const yj = tf.slice(y, [start, 0], [size, -1]);
        const logits = tf.matMul(xs, yj, false, true);
        const lseC = tf.expandDims(tf.slice(lseCols, [start], [size]), 0);
        const offC = tf.expandDims(tf.slice(offCols, [start], [size]), 0);
        // G = (P + Q)/(2N) off the diagonal, −(off-diagonal mass of the row and column)/(2N) on it
        const pq = tf.add(tf.exp(tf.sub(logits, lseR)), tf.exp(tf.sub(logits, lseC)));
        const diag = tf.neg(tf.add(offR, offC));
        const grad = tf.mul(tf.where(diagonalMask(n, size, start), diag, pq), coef);
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
    const dx = tf.mul(dxAcc, t) as Tensor2D;
    const dy = tf.mul(tf.concat(dyParts, 0), t) as Tensor2D;
    return [dx, dy, dtAcc as Scalar];
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
