// Distance between a float32 step and the float64 reference: the check behind the tests and `verify`.
import { stepOutputs } from './types.js';
import { tf } from '../engine/tf.js';
import type { TorchDtype } from '../engine/engines.js';
import { randomInputs, toReference, toTensors, disposeInputs, type HostInputs } from './inputs.js';
import { REFERENCES, type RefResult } from './reference.js';
import type { LossName, LossStep, StepResult } from './types.js';

export const TOLERANCE = 1e-4;

/** Per dtype of the torch engine: fp32 is the project's TOLERANCE; tf32 and bf16 round the matmul inputs. */
export const TOLERANCES: Record<TorchDtype, number> = { fp32: TOLERANCE, tf32: 1e-2, bf16: 5e-2 };

/**
 * A truth below 1e-30 is compared absolutely: float32 holds numbers fully only above ~1e-38 and a step's
 * outputs are sums of such intermediates times t·N (P_ij of a dominant diagonal underflow first). Any truth
 * above it is compared relatively, so that zeros never pass for a non-zero truth float32 can resolve (the
 * CLIP loss of correlated pairs at t = 100 is ~1e-26; the former floors, 1 and 1e-2, accepted 0 for it).
 */
export const ERROR_FLOOR = 1e-30;

/**
 * float32 rounds every term an output sums by up to 2⁻²⁴ of it: at the tolerance 1e-4 it can resolve an
 * output only down to 2⁻²⁴/1e-4 ≈ 6e-4 of the magnitude of its terms (the reference's `scale`: |G|·|y|
 * for dx, Σ|G∘l| for dt'). A smaller output (an exact cancellation: duplicate rows) is compared absolutely
 * against that; a larger one relatively, so that zeros never pass for a truth float32 can resolve.
 */
export const SCALE_FLOOR = 2 ** -24 / 1e-4;

/**
 * ‖a − ref‖ / max(‖ref‖, SCALE_FLOOR·scale, ERROR_FLOOR), `scale` the magnitude of the terms behind ref
 * (RefResult.scale; 0: a plain relative error down to ERROR_FLOOR). NaN, Inf or a length mismatch never pass.
 */
export function relativeError(a: ArrayLike<number>, ref: ArrayLike<number>, scale = 0): number {
  if (a.length !== ref.length) return Number.POSITIVE_INFINITY;
  let err = 0;
  let norm = 0;
  for (let i = 0; i < ref.length; i++) {
    const v = a[i]!;
    if (!Number.isFinite(v)) return Number.POSITIVE_INFINITY; // NaN never passes
    err += (v - ref[i]!) ** 2;
    norm += ref[i]! ** 2;
  }
  return Math.sqrt(err) / Math.max(Math.sqrt(norm), SCALE_FLOOR * scale, ERROR_FLOOR);
}

/**
 * naive CLIP is the textbook form (open_clip's cross-entropy over whole logit blocks; clip/ring's naive is
 * one careful tile per block): where the diagonal dominates (correlated pairs at t = 100) float32 rounds
 * its lse − l_ii and P_ii − 1 to 0, so its error there is a finding, shown beside chunked's, not a failure
 * (engines/torch/lossbench_torch/compare.py, textbook_inexact).
 */
export function textbookInexact(loss: string, impl: string, strategy: string, dominantDiagonal: boolean): boolean {
  return loss === 'clip' && impl === 'naive' && strategy !== 'ring' && dominantDiagonal;
}

/** One step's outputs as host arrays (any engine, any path). */
export interface HostOutputs {
  loss: number;
  dx: ArrayLike<number>;
  dy: ArrayLike<number>;
  dtPrime: number;
  dBias?: number;
}

/** The errors of every output against the float64 reference, each with its floor (RefResult.scale). */
export function errorsAgainst(ref: RefResult, got: HostOutputs): OutputErrors {
  const e: OutputErrors = {
    loss: relativeError([got.loss], [ref.loss], ref.scale.loss),
    dx: relativeError(got.dx, ref.dx, ref.scale.dx),
    dy: relativeError(got.dy, ref.dy, ref.scale.dy),
    dtPrime: relativeError([got.dtPrime], [ref.dtPrime], ref.scale.dtPrime),
  };
  if (ref.dBias !== undefined) e.dBias = relativeError([got.dBias ?? NaN], [ref.dBias], ref.scale.dBias);
  return e;
}

export interface OutputErrors {
  loss: number;
  dx: number;
  dy: number;
  dtPrime: number;
  /** SigLIP only. */
  dBias?: number;
}

export function maxError(e: OutputErrors): number {
  return Math.max(e.loss, e.dx, e.dy, e.dtPrime, e.dBias ?? 0);
}

/**
 * Errors of one step's outputs against the float64 reference on the same inputs. Reads back with
 * data(), not dataSync(): the WebGPU backend cannot read synchronously in Node.
 */
export async function errorsOf(loss: LossName, host: HostInputs, r: StepResult): Promise<OutputErrors> {
  const ref = REFERENCES[loss](toReference(host));
  return errorsAgainst(ref, {
    loss: (await r.loss.data())[0]!,
    dx: await r.grads.x.data(),
    dy: await r.grads.y.data(),
    dtPrime: (await r.grads.tPrime.data())[0]!,
    dBias: r.grads.bias ? (await r.grads.bias.data())[0]! : loss === 'siglip' ? NaN : undefined,
  });
}

export interface CheckCase {
  loss: LossName;
  n: number;
  d: number;
  seed: number;
  /** Overrides the loss's initial t' (e.g. log 100). */
  tPrime?: number;
}

/** Runs `step` once on fresh seeded inputs; returns the errors and the tensors leaked by the step. */
export async function checkStep(
  step: LossStep,
  c: CheckCase,
): Promise<{ errors: OutputErrors; leakedTensors: number }> {
  return checkOn(step, c.loss, randomInputs(c.loss, c.n, c.d, c.seed, c.tPrime));
}

/** Runs `step` once on the given inputs (correlated pairs, say); the errors and the tensors it leaked. */
export async function checkOn(
  step: LossStep,
  loss: LossName,
  host: HostInputs,
): Promise<{ errors: OutputErrors; leakedTensors: number }> {
  const inputs = toTensors(host);
  const before = tf.memory().numTensors;
  const r = step(inputs);
  const errors = await errorsOf(loss, host, r);
  tf.dispose(stepOutputs(r));
  const leakedTensors = tf.memory().numTensors - before;
  disposeInputs(inputs);
  return { errors, leakedTensors };
}
