// Simulated multi-device loss steps for the bench runner: W devices in one process, collectives as
// counted copies (ledger.ts), per-device memory (world.ts), one strategy per file (strategies/), each
// with its entry in registry.ts.
import { stepOutputs } from '../losses/types.js';
import { tf, type Scalar, type Tensor2D } from '../engine/tf.js';
import { lossStep } from '../losses/index.js';
import type { ImplName, LossInputs, LossName, StepResult } from '../losses/types.js';
import { emptyTotals, type LedgerTotals } from './ledger.js';
import { World } from './world.js';
import type { StrategyOutput, StrategyRun } from './strategies/types.js';
import { strategyOf } from './registry.js';

export type { LedgerTotals } from './ledger.js';
export { predictedComm, commFormula } from './formulas.js';

export interface DistributedSpec {
  loss: LossName;
  impl: ImplName;
  strategy: string;
  world: number;
  /** Tile width of chunked; null for naive (its local blocks are one tile each). */
  chunk: number | null;
}

export type DistributedResult = StepResult & { ledger: LedgerTotals; perDevice: LedgerTotals[] };

function runStep(
  run: StrategyRun,
  spec: DistributedSpec,
  inputs: LossInputs,
  measuring: boolean,
  timed = false,
  onDevices?: (out: StrategyOutput) => void,
): { out: DistributedResult; busiestPeakBytes: number; busiestComputeMs: number } {
  const n = inputs.x.shape[0];
  const W = spec.world;
  if (!Number.isInteger(W) || W < 1 || n % W !== 0) throw new RangeError(`N = ${n} is not a multiple of world ${W}`);
  const b = n / W;
  const world = new World(W, measuring, timed);
  try {
    const shards = world.devices.map((dev, k) => {
      const [x, y] = dev.compute(() => [
        tf.slice(inputs.x, [k * b, 0], [b, -1]) as Tensor2D,
        tf.slice(inputs.y, [k * b, 0], [b, -1]) as Tensor2D,
      ]);
      return { x: x!, y: y! };
    });
    const ctx = { world, impl: spec.impl, chunk: spec.chunk ?? b, n, b, tPrime: inputs.tPrime, bias: inputs.bias };
    const output = run(ctx, shards);
    onDevices?.(output);
    const result = assemble(spec.loss, output);
    return {
      out: { ...result, ledger: world.ledger.busiest(), perDevice: world.ledger.perDevice() },
      busiestPeakBytes: world.busiestPeakBytes(),
      busiestComputeMs: world.busiestComputeMs(),
    };
  } finally {
    world.dispose();
  }
}

/** The global loss and N×D gradients from the devices' shares (outside any device: the caller's view). */
function assemble(loss: LossName, { devices, scalars }: StrategyOutput): StepResult {
  return tf.tidy((): never => {
    const total = (pick: (d: (typeof devices)[number]) => Scalar) =>
      (scalars === 'replicated' ? tf.clone(pick(devices[0]!)) : tf.addN(devices.map(pick))) as Scalar;
    const grads: StepResult['grads'] = {
      x: tf.concat(
        devices.map((d) => d.dx),
        0,
      ) as Tensor2D,
      y: tf.concat(
        devices.map((d) => d.dy),
        0,
      ) as Tensor2D,
      tPrime: total((d) => d.dtPrime),
    };
    if (loss === 'siglip') grads.bias = total((d) => d.dBias!);
    return { loss: total((d) => d.loss), grads } as unknown as never; // tidy keeps every tensor in the result
  }) as StepResult;
}

/** One step over all W devices; loss and full N×D grads assembled from the devices' shares; the ledger of this step. */
export function distributedStep(spec: DistributedSpec, inputs: LossInputs): DistributedResult {
  const { run } = strategyOf(spec.loss, spec.strategy);
  if (run === 'one-device') {
    const r = lossStep(spec.loss, spec.impl, spec.chunk)(inputs);
    return { ...r, ledger: emptyTotals(), perDevice: [emptyTotals()] };
  }
  return runStep(run, spec, inputs, false).out;
}

/** Same step, measuring each device's peak (held tensors + its local computations' tf.profile peak). */
export async function measureDistributed(
  spec: DistributedSpec,
  inputs: LossInputs,
): Promise<{ result: StepResult; ledger: LedgerTotals; busiestDevicePeakBytes: number }> {
  const { run } = strategyOf(spec.loss, spec.strategy);
  const before = tf.memory().numBytes;
  let step: { out: DistributedResult; busiestPeakBytes: number } | undefined;
  const info = await tf.profile(() => {
    if (run === 'one-device') step = { out: distributedStep(spec, inputs), busiestPeakBytes: 0 };
    else step = runStep(run, spec, inputs, true);
    return [];
  });
  const { out, busiestPeakBytes } = step!;
  const { ledger, perDevice: _p, ...result } = out;
  // one device: the whole step is its local computation
  const peak = run === 'one-device' ? info.peakBytes - before : busiestPeakBytes;
  return { result, ledger, busiestDevicePeakBytes: peak };
}

/**
 * The busiest device's compute time in one step (ms): the wall time of each simulated device's local
 * computations, added up per device, the largest. Collectives (counted copies) are not in it; they are
 * modelled (comm_ms_modelled). Meaningful only on backends whose kernels run as they are called (the
 * caller's job: cpu, wasm, tensorflow). Null for a strategy that runs on one device.
 */
export function timeDevices(
  spec: DistributedSpec,
  inputs: LossInputs,
): { result: StepResult; computeMs: number } | null {
  const { run } = strategyOf(spec.loss, spec.strategy);
  if (run === 'one-device') return null;
  const { out, busiestComputeMs } = runStep(run, spec, inputs, false, true);
  const { ledger: _l, perDevice: _p, ...result } = out;
  return { result, computeMs: busiestComputeMs };
}

/** One device's own outputs, read back to the host: its loss (and scalar) shares, its rows of dx and dy. */
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
 * Each device's outputs and ledger before they are assembled (what the cross-engine test compares with
 * the torch engine's ranks); reads back synchronously, so on a backend that can (cpu, wasm).
 */
export function distributedShares(
  spec: DistributedSpec,
  inputs: LossInputs,
): { scalars: StrategyOutput['scalars']; devices: DeviceShare[] } {
  const { run } = strategyOf(spec.loss, spec.strategy);
  if (run === 'one-device') throw new RangeError(`${spec.loss}/${spec.strategy} runs on one device: no shares`);
  let got: { scalars: StrategyOutput['scalars']; devices: Omit<DeviceShare, 'ledger'>[] } | undefined;
  const { out } = runStep(run, spec, inputs, false, false, ({ scalars, devices }) => {
    got = {
      scalars,
      devices: devices.map((d) => ({
        loss: d.loss.dataSync()[0]!,
        dx: d.dx.dataSync() as Float32Array,
        dy: d.dy.dataSync() as Float32Array,
        dt: d.dtPrime.dataSync()[0]!,
        ...(d.dBias ? { db: d.dBias.dataSync()[0]! } : {}),
      })),
    };
  });
  tf.dispose(stepOutputs(out));
  return { scalars: got!.scalars, devices: got!.devices.map((d, k) => ({ ...d, ledger: out.perDevice[k]! })) };
}
