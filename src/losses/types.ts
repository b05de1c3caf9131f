import type { Scalar, Tensor, Tensor2D } from '../engine/tf.js';

export const LOSSES = ['clip', 'siglip'] as const;
/** lossbench's own implementations: every engine and strategy runs them. */
export const IMPLS = ['naive', 'chunked'] as const;
/** lossbench's own reference that only the torch engine runs: torch.utils.checkpoint over column chunks, one
 * device (docs/implementations.md). */
export const TORCH_OWN_IMPLS = ['checkpoint'] as const;
export type TorchOwnImpl = (typeof TORCH_OWN_IMPLS)[number];
/** lossbench's fused WebGPU kernels (src/losses/fused-webgpu.ts): tfjs on webgpu, one device. Opt-in: named
 * by --impl only (scripts/gpu-check.sh runs it once its GPU check has passed), unverified on a GPU so far. */
export const TFJS_GPU_IMPLS = ['fused'] as const;
export type TfjsGpuImpl = (typeof TFJS_GPU_IMPLS)[number];
/** The implementations people train with, run by the torch engine (docs/implementations.md). */
export const THIRD_PARTY_IMPLS = ['openclip', 'infcl', 'infcl-ring', 'siglip-kernel', 'memeff'] as const;
export type LossName = (typeof LOSSES)[number];
export type ImplName = (typeof IMPLS)[number];
/** A user's own loss for the torch engine: `py:<module>:<factory>` (docs/implementations.md). */
export type PluginImpl = `py:${string}`;
/** Any implementation a scenario names: lossbench's own, a third-party one, or a plugin. */
export type ImplId = ImplName | TorchOwnImpl | TfjsGpuImpl | (typeof THIRD_PARTY_IMPLS)[number] | PluginImpl;

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

export function isBuiltinImpl(impl: string): impl is ImplName {
  return (IMPLS as readonly string[]).includes(impl);
}

/** 'py:<module>:<factory>' with a dotted module path and a factory name. */
export function isPluginImpl(impl: string): impl is PluginImpl {
  const parts = impl.startsWith('py:') ? impl.slice(3).split(':') : [];
  return parts.length === 2 && IDENT.test(parts[0]!) && /^[A-Za-z_][A-Za-z0-9_]*$/.test(parts[1]!);
}

export function isImplId(impl: string): impl is ImplId {
  return (
    isBuiltinImpl(impl) ||
    isTorchOwnImpl(impl) ||
    isTfjsGpuImpl(impl) ||
    (THIRD_PARTY_IMPLS as readonly string[]).includes(impl) ||
    isPluginImpl(impl)
  );
}

export function isTfjsGpuImpl(impl: string): impl is TfjsGpuImpl {
  return (TFJS_GPU_IMPLS as readonly string[]).includes(impl);
}

export function isTorchOwnImpl(impl: string): impl is TorchOwnImpl {
  return (TORCH_OWN_IMPLS as readonly string[]).includes(impl);
}

/** The names --impl takes, for messages. */
export const IMPL_CHOICES = `${[...IMPLS, ...TORCH_OWN_IMPLS, ...TFJS_GPU_IMPLS, ...THIRD_PARTY_IMPLS].join(', ')} or py:<module>:<factory>`;

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
