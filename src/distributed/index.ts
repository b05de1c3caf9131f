// Simulated loss steps for the bench runner: W devices in one process (world.ts), each running one rank's
// program of the strategy (strategies/*.ts, its entry in registry.ts) in lock-step with the others
// (lockstep.ts), collectives as counted copies (ledger.ts). One device ('single', or any strategy at
// W = 1) is the same run with W = 1.
import { stepOutputs } from '../losses/types.js';
import { tf, type Scalar, type Tensor2D } from '../engine/tf.js';
import { lossStep } from '../losses/index.js';
import { isBuiltinImpl, type ImplName, type LossInputs, type LossName, type LossStep } from '../losses/types.js';
import type { StepResult, TfjsGpuImpl } from '../losses/types.js';
import type { LedgerTotals } from './ledger.js';
import { World, type SimDevice } from './world.js';
import { rankContext } from './context.js';
import { runLockstep } from './lockstep.js';
import type { RankStep } from './strategies/types.js';
import { strategyOf } from './registry.js';

export type { LedgerTotals } from './ledger.js';
export { predictedComm, commFormula } from './formulas.js';

export interface DistributedSpec {
  loss: LossName;
  /** naive or chunked; fused (one device) with its own lossStep. */
  impl: ImplName | TfjsGpuImpl;
  strategy: string;
  world: number;
  /** Tile width of chunked; null for naive (its local blocks are one tile each). */
  chunk: number | null;
  /** The one-device step of an impl that brings its own (fused: it needs the WebGPU adapter's limits). */
  lossStep?: LossStep;
}

/** The loss's own step of this impl over the pairs it is given ('single' runs it, allgather-global on N). */
function oneDeviceStep(spec: DistributedSpec): LossStep {
  if (spec.lossStep) return spec.lossStep;
  if (!isBuiltinImpl(spec.impl)) throw new RangeError(`${spec.impl} brings its own step (spec.lossStep)`);
  return lossStep(spec.loss, spec.impl, spec.chunk);
}

export type DistributedResult = StepResult & { ledger: LedgerTotals; perDevice: LedgerTotals[] };

/**
 * Device k's pairs: at W = 1 the inputs themselves (live before the step, so not counted in its peak, as
 * a one-device step's accounting has it); at W > 1 its b rows, sliced in the step and held by it.
 */
function shardOf(dev: SimDevice, inputs: LossInputs, world: number): LossInputs {
  if (world === 1) return inputs;
  const b = inputs.x.shape[0] / world;
  const [x, y] = dev.compute(() => [
    tf.slice(inputs.x, [dev.rank * b, 0], [b, -1]) as Tensor2D,
    tf.slice(inputs.y, [dev.rank * b, 0], [b, -1]) as Tensor2D,
  ]);
  return { x, y, tPrime: inputs.tPrime, bias: inputs.bias };
}

function runStep(
  spec: DistributedSpec,
  inputs: LossInputs,
  measuring: boolean,
  timed = false,
  onRanks?: (ranks: RankStep[]) => void,
): { out: DistributedResult; busiestPeakBytes: number; busiestComputeMs: number } {
  const strategy = strategyOf(spec.loss, spec.strategy);
  const n = inputs.x.shape[0];
  const W = spec.world;
  if (!Number.isInteger(W) || W < 1 || n % W !== 0) throw new RangeError(`N = ${n} is not a multiple of world ${W}`);
  if (strategy.oneDevice && W !== 1) throw new RangeError(`${strategy.key} runs on one device, not ${W}`);
  if (!isBuiltinImpl(spec.impl) && !strategy.oneDevice) throw new RangeError(`${spec.impl} runs on one device`);
  const step = oneDeviceStep(spec);
  const world = new World(W, measuring, timed);
  try {
    // naive reads no tile width (its local blocks are one tile each)
    const sizes = { loss: spec.loss, impl: spec.impl, chunk: spec.chunk ?? n / W, n, world: W, lossStep: step };
    const ranks = runLockstep(
      world,
      world.devices.map((dev) => strategy.run(rankContext(dev, sizes), shardOf(dev, inputs, W))),
    );
    onRanks?.(ranks);
    const result = assemble(spec.loss, ranks);
    return {
      out: { ...result, ledger: world.ledger.busiest(), perDevice: world.ledger.perDevice() },
      busiestPeakBytes: world.busiestPeakBytes(),
      busiestComputeMs: world.busiestComputeMs(),
    };
  } finally {
    world.dispose();
  }
}

/** The global loss and N×D gradients from the ranks' shares (outside any device: the caller's view). */
function assemble(loss: LossName, ranks: RankStep[]): StepResult {
  const { scalars } = ranks[0]!;
  if (ranks.some((r) => r.scalars !== scalars)) throw new Error(`the ranks disagree on their scalars' convention`);
  // one share is the total (a copy: the device's own tensors go with it)
  const sum = (ts: Scalar[]) => (ts.length === 1 ? tf.clone(ts[0]!) : tf.addN(ts));
  return tf.tidy((): never => {
    const total = (pick: (r: RankStep) => Scalar) =>
      (scalars === 'replicated' ? tf.clone(pick(ranks[0]!)) : sum(ranks.map(pick))) as Scalar;
    const grads: StepResult['grads'] = {
      x: tf.concat(
        ranks.map((r) => r.dx),
        0,
      ) as Tensor2D,
      y: tf.concat(
        ranks.map((r) => r.dy),
        0,
      ) as Tensor2D,
      tPrime: total((r) => r.dt),
    };
    if (loss === 'siglip') grads.bias = total((r) => r.db!);
    return { loss: total((r) => r.loss), grads } as unknown as never; // tidy keeps every tensor in the result
  }) as StepResult;
}

/** One step over all W devices; loss and full N×D grads assembled from the ranks' shares; the ledger of this step. */
export function distributedStep(spec: DistributedSpec, inputs: LossInputs): DistributedResult {
  return runStep(spec, inputs, false).out;
}

/**
 * Same step, measuring each device's peak (the tensors it holds + its local computations' tf.profile
 * peak); at W = 1 that is the one-device step's own peak beyond the inputs.
 */
export async function measureDistributed(
  spec: DistributedSpec,
  inputs: LossInputs,
): Promise<{ result: StepResult; ledger: LedgerTotals; busiestDevicePeakBytes: number }> {
  let step: { out: DistributedResult; busiestPeakBytes: number } | undefined;
  await tf.profile(() => {
    step = runStep(spec, inputs, true);
    return [];
  });
  const { out, busiestPeakBytes } = step!;
  const { ledger, perDevice: _p, ...result } = out;
  return { result, ledger, busiestDevicePeakBytes: busiestPeakBytes };
}

/**
 * The busiest device's compute time in one step (ms): the wall time of each simulated device's local
 * computations, added up per device, the largest. Collectives (counted copies) are not in it; they are
 * modelled (comm_ms_modelled). Meaningful only on backends whose kernels run as they are called (the
 * caller's job: cpu, wasm, tensorflow).
 */
export function timeDevices(spec: DistributedSpec, inputs: LossInputs): { result: StepResult; computeMs: number } {
  const { out, busiestComputeMs } = runStep(spec, inputs, false, true);
  const { ledger: _l, perDevice: _p, ...result } = out;
  return { result, computeMs: busiestComputeMs };
}

/** One rank's own outputs, read back to the host: its loss (and scalar) shares, its rows of dx and dy. */
export interface DeviceShare {
  loss: number;
  dx: Float32Array;
  dy: Float32Array;
  dt: number;
  /** SigLIP only. */
  db?: number;
  ledger: LedgerTotals;
}

/**
 * Each rank's outputs and ledger before they are assembled (what the cross-engine test compares with
 * the torch engine's ranks); reads back synchronously, so on a backend that can (cpu, wasm).
 */
export function distributedShares(
  spec: DistributedSpec,
  inputs: LossInputs,
): { scalars: RankStep['scalars']; devices: DeviceShare[] } {
  let got: { scalars: RankStep['scalars']; devices: Omit<DeviceShare, 'ledger'>[] } | undefined;
  const { out } = runStep(spec, inputs, false, false, (ranks) => {
    got = {
      scalars: ranks[0]!.scalars,
      devices: ranks.map((r) => ({
        loss: r.loss.dataSync()[0]!,
        dx: r.dx.dataSync() as Float32Array,
        dy: r.dy.dataSync() as Float32Array,
        dt: r.dt.dataSync()[0]!,
        ...(r.db ? { db: r.db.dataSync()[0]! } : {}),
      })),
    };
  });
  tf.dispose(stepOutputs(out));
  return { scalars: got!.scalars, devices: got!.devices.map((d, k) => ({ ...d, ledger: out.perDevice[k]! })) };
}
