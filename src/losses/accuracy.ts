// Distance between a float32 step and the float64 reference: the check behind the tests and `verify`.
import { tf } from '../engine/tf.js';
import type { TorchDtype } from '../engine/engines.js';
import { randomInputs, toReference, toTensors, disposeInputs, type HostInputs } from './inputs.js';
import { REFERENCES } from './reference.js';
import type { LossName, LossStep, StepResult } from './types.js';

export const TOLERANCE = 1e-4;

/** Per dtype of the torch engine: fp32 is the project's TOLERANCE; tf32 and bf16 round the matmul inputs. */
export const TOLERANCES: Record<TorchDtype, number> = { fp32: TOLERANCE, tf32: 1e-2, bf16: 5e-2 };

/**
 * ‖a − ref‖ / max(‖ref‖, floor). The floor (1e-2 for matrices, 1 for scalars) makes outputs whose exact
 * value is zero or tiny (the CLIP loss at N = 1, say) compare absolutely: float32 cannot do better there.
 */
export function relativeError(a: ArrayLike<number>, ref: ArrayLike<number>): number {
  let err = 0;
  let norm = 0;
  for (let i = 0; i < ref.length; i++) {
    const v = a[i]!;
    if (!Number.isFinite(v)) return Number.POSITIVE_INFINITY; // NaN never passes
    err += (v - ref[i]!) ** 2;
    norm += ref[i]! ** 2;
  }
  if (a.length !== ref.length) return Number.POSITIVE_INFINITY;
  return Math.sqrt(err) / Math.max(Math.sqrt(norm), ref.length === 1 ? 1 : 1e-2);
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
  const e: OutputErrors = {
    loss: relativeError(await r.loss.data(), [ref.loss]),
    dx: relativeError(await r.grads.x.data(), ref.dx),
    dy: relativeError(await r.grads.y.data(), ref.dy),
    dtPrime: relativeError(await r.grads.tPrime.data(), [ref.dtPrime]),
  };
  if (loss === 'siglip') e.dBias = r.grads.bias ? relativeError(await r.grads.bias.data(), [ref.dBias!]) : Infinity;
  return e;
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
  tf.dispose([r.loss, r.grads.x, r.grads.y, r.grads.tPrime, ...(r.grads.bias ? [r.grads.bias] : [])]);
  const leakedTensors = tf.memory().numTensors - before;
  disposeInputs(inputs);
  return { errors, leakedTensors };
}
