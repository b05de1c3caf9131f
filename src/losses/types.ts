import type { Scalar, Tensor, Tensor2D } from '../engine/tf.js';

export const LOSSES = ['clip', 'siglip'] as const;
export const IMPLS = ['naive', 'chunked'] as const;
export type LossName = (typeof LOSSES)[number];
export type ImplName = (typeof IMPLS)[number];

/** L2-normalised features (N×D, float32) and the learnable scalars. `bias` is ignored by CLIP. */
export interface LossInputs {
  x: Tensor2D;
  y: Tensor2D;
  /** t' with t = exp(t'). */
  tPrime: Scalar;
  /** β (SigLIP only). */
  bias: Scalar;
}

export interface LossGrads {
  x: Tensor2D;
  y: Tensor2D;
  tPrime: Scalar;
  /** Present for SigLIP only. */
  bias?: Scalar;
}

/** One training step of the loss: forward + backward. The caller owns (and disposes) the outputs. */
export interface StepResult {
  loss: Scalar;
  grads: LossGrads;
}

export type LossStep = (inputs: LossInputs) => StepResult;

/** Every tensor of a step's result, in order: loss, dx, dy, dt' and (SigLIP) dβ — to read back or dispose. */
export const stepOutputs = (r: StepResult): Tensor[] => [
  r.loss,
  r.grads.x,
  r.grads.y,
  r.grads.tPrime,
  ...(r.grads.bias ? [r.grads.bias] : []),
];

/** Initial scalars (docs/design.md, "Losses and numerics"): CLIP t' = log(1/0.07); SigLIP t' = log 10, β = −10. */
export const INIT: Record<LossName, { tPrime: number; bias: number }> = {
  clip: { tPrime: Math.log(1 / 0.07), bias: 0 },
  siglip: { tPrime: Math.log(10), bias: -10 },
};
