// `fused` on WebGPU: the loss step as WGSL kernels on tfjs's WebGPU device (src/engine/kernels), the
// algorithm of src/losses/fused-model.ts. Writes only O(N) state (and, for CLIP, the forward's column
// partials, 3·⌈N/R⌉·N floats); never an N×c strip.
//
// NOT YET VERIFIED ON A GPU. What is tested without one: the algorithm (test/fused-model.test.ts) and the
// WGSL with this very launch schedule on a CPU WGSL interpreter, races included (test/fused-wgsl.test.ts).
// What only a GPU shows: tfjs's prelude and pipeline creation, Tint's validation (uniformity included),
// the GPU's exp/log/fma, and speed. It is deliberately not an entry of IMPLS: `--impl fused` (opt-in,
// webgpu, one device) runs it in a sweep, which scripts/gpu-check.sh does only after the check below passes.
// The check, on a GPU machine with the webgpu backend active (scripts/check-fused-gpu.ts):
//   checkStep(fusedWebGpuStep(loss, kernelLimits(info.limits)), { loss, n, d, seed, tPrime }) for the N, D
//   and t of test/fused-model.test.ts, expecting maxError ≤ TOLERANCE, then time it against chunked.
import { tf, type Scalar, type Tensor2D } from '../engine/tf.js';
import { launchOnTfjs } from '../engine/kernels/programs.js';
import { runFusedStep } from '../engine/kernels/specs.js';
import { chooseTiling, oversizeBindings, type KernelLimits, type Tiling } from '../engine/kernels/tiling.js';
import type { LossInputs, LossName, LossStep, StepResult } from './types.js';

/** The adapter limits the tiling needs, from WebGpuInfo.limits (src/engine/webgpu.ts requests them all). */
export function kernelLimits(limits: Record<string, number>): KernelLimits {
  const need = [
    'maxComputeWorkgroupStorageSize',
    'maxComputeInvocationsPerWorkgroup',
    'maxComputeWorkgroupSizeX',
    'maxStorageBufferBindingSize',
  ] as const;
  const out = {} as KernelLimits;
  for (const k of need) {
    if (typeof limits[k] !== 'number') throw new Error(`adapter limit ${k} unknown`);
    out[k] = limits[k]!;
  }
  return out;
}

/** The fused step with tiles from WebGpuInfo.limits: `--impl fused` on webgpu (harness/worker.ts). */
export function fusedStepOn(loss: LossName, adapterLimits: Record<string, number>): LossStep {
  return fusedWebGpuStep(loss, kernelLimits(adapterLimits));
}

const toScalar = (t: tf.Tensor) => tf.reshape(t, []) as Scalar;

/**
 * The fused step for `loss` with tile sizes from the adapter's limits (or `tiling` as given). Throws
 * before launching anything when a buffer would exceed one storage binding. Unverified: see above.
 */
export function fusedWebGpuStep(loss: LossName, limits: KernelLimits, tiling?: Tiling): LossStep {
  return ({ x, y, tPrime, bias }: LossInputs): StepResult => {
    const [n, d] = x.shape;
    const t = tiling ?? chooseTiling(limits, d);
    const over = oversizeBindings(loss, n, d, t, limits);
    if (over.length)
      throw new Error(`fused ${loss} at N = ${n}, D = ${d} exceeds one storage binding: ${over.join('; ')}`);
    return tf.tidy(() => {
      const o = runFusedStep(launchOnTfjs, loss, { x, y, tPrime, bias }, n, d, t);
      // object literals: what tidy's container type accepts
      return {
        loss: toScalar(o.loss),
        grads: {
          x: tf.reshape(tf.slice(o.dxPack, [0], [n * d]), [n, d]) as Tensor2D,
          y: tf.reshape(o.dyPack, [n, d]) as Tensor2D,
          tPrime: toScalar(o.dtPrime),
          ...(o.dBias ? { bias: toScalar(o.dBias) } : {}),
        },
      };
    });
  };
}
