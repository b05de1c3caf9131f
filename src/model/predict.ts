// The analytic predictions recorded beside each measurement, gathered for one scenario.
import { logitElements, predictPeakBytes, type ModelledImpl } from './memory.js';
import { checkpointFlops } from './flops.js';
import { memoryProfile, type MemoryTarget } from './memory-constants.js';
import { commTimeMs, type Link } from './comm.js';
import { commTotals, predictedComm } from '../distributed/formulas.js';
import { hasStrategy, stepSize, strategyOf, type Strategy } from '../distributed/registry.js';
import { thirdPartyStrategy } from '../distributed/third-party.js';
import { isBuiltinImpl, isTorchOwnImpl } from '../losses/types.js';
import type { ScenarioShape } from './shape.js';

/** What a prediction needs: the sizes, and the link of the modelled communication time. */
export type PredictionQuery = ScenarioShape & { link: Link };

const FLOAT32 = 4;

export interface Prediction {
  /** Per-device peak tensor bytes of one step (busiest device). */
  peakBytes: number;
  /** FLOPs of one step, all devices together. */
  flops: number;
  /** Bytes sent per device per step (0 on one device). */
  commBytes: number;
  /** The biggest single tensor, bytes: what must fit one GPU buffer binding. */
  largestTensorBytes: number;
  /** Modelled (not measured) communication time of `bytes` over `rounds` on the scenario's link. */
  commMs: (bytes: number, rounds: number) => number;
}

/** The strategy's logit block (as the impl holds it) or the N×D inputs, whichever is bigger. */
export function largestTensorBytes(
  s: PredictionQuery & { impl: ModelledImpl },
  strategy: Strategy = strategyOf(s.loss, s.strategy),
): number {
  const block = strategy.logitBlock(stepSize(s.world, s.localBatch, s.dim));
  return FLOAT32 * Math.max(logitElements(s.impl, block, s.chunk), s.n * s.dim);
}

/** What can be predicted of any scenario: everything for lossbench's own impls on its strategies (and torch's
 * checkpoint on one device); for the others (a third-party implementation or strategy, a plugin) only the
 * bytes of the strategy's formula. */
export interface PartialPrediction {
  peakBytes: number | null;
  flops: number | null;
  commBytes: number | null;
  largestTensorBytes: number | null;
  commMs: (bytes: number, rounds: number) => number;
}

export function predictAny(s: PredictionQuery, target: MemoryTarget = { engine: 'tfjs' }): PartialPrediction {
  const { impl } = s;
  if ((isBuiltinImpl(impl) && hasStrategy(s.loss, s.strategy)) || modelledOnTorch(s, target))
    return predictScenario(s, target);
  const { link } = s;
  const tp = thirdPartyStrategy(s.loss, s.strategy);
  const commBytes = tp
    ? tp.blocks(s.world) * FLOAT32 * s.localBatch * s.dim
    : predictedComm(s.loss, s.strategy, s.world, s.localBatch, s.dim, FLOAT32).bytesSent;
  return {
    peakBytes: null,
    flops: null,
    commBytes,
    largestTensorBytes: null,
    commMs: (b, r) => commTimeMs(b, r, link),
  };
}

/** A cost to order scenarios by (cheapest first): the FLOPs where modelled, else a textbook step's 6N²D. */
export function costOf(s: PredictionQuery): number {
  return predictAny(s).flops ?? 6 * s.n * s.n * s.dim;
}

/** torch's checkpoint reference on one device: the torch tables model it. */
const modelledOnTorch = (s: PredictionQuery, target: MemoryTarget) =>
  isTorchOwnImpl(s.impl) && s.strategy === 'single' && target.engine === 'torch';

/** `target` picks the memory constants: on each kind of device, an engine keeps other tensors alive.
 * lossbench's own impls only, and torch's checkpoint on one device (a RangeError for others: predictAny
 * covers every scenario). */
export function predictScenario(q: PredictionQuery, target: MemoryTarget = { engine: 'tfjs' }): Prediction {
  const { impl } = q;
  if (!isBuiltinImpl(impl) && !modelledOnTorch(q, target))
    throw new RangeError(`no model of ${impl}: lossbench models its own naive and chunked (torch: and checkpoint)`);
  const s = { ...q, impl: impl as ModelledImpl };
  const { link } = s;
  const profile = memoryProfile(target);
  const strategy = strategyOf(s.loss, s.strategy); // one lookup serves every term
  const size = stepSize(s.world, s.localBatch, s.dim);
  return {
    peakBytes: predictPeakBytes(
      {
        loss: s.loss,
        impl: s.impl,
        strategy: s.strategy,
        n: s.n,
        world: s.world,
        localBatch: s.localBatch,
        dim: s.dim,
        chunk: s.chunk,
        bytesPerElement: profile.bytesPerElement,
      },
      profile.constants,
      strategy,
    ),
    flops: isBuiltinImpl(s.impl) ? strategy.flops(s.impl, size) : checkpointFlops(s.loss, s.n, s.dim),
    commBytes: commTotals(strategy.comm(s.world), FLOAT32 * s.localBatch * s.dim).bytesSent,
    largestTensorBytes: largestTensorBytes(s, strategy),
    commMs: (bytes, rounds) => commTimeMs(bytes, rounds, link),
  };
}
