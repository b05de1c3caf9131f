// The analytic predictions recorded beside each measurement, gathered for one scenario.
import { logitElements, predictPeakBytes } from './memory.js';
import { memoryProfile, type MemoryTarget } from './memory-constants.js';
import { commTimeMs, resolveLink } from './comm.js';
import { predictedComm } from '../distributed/formulas.js';
import { stepSize, strategyOf } from '../distributed/registry.js';
import { flopsOf } from './flops.js';
import type { ScenarioShape } from './shape.js';

/** What a prediction needs: the sizes, and the link of the modelled communication time. */
export type PredictionQuery = ScenarioShape & { link: string };

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
export function largestTensorBytes(s: PredictionQuery): number {
  const block = strategyOf(s.loss, s.strategy).logitBlock(stepSize(s.world, s.localBatch, s.dim));
  return FLOAT32 * Math.max(logitElements(s.impl, block, s.chunk), s.n * s.dim);
}

/** A preset name, or "custom:<GB/s>:<µs>" as bench writes --link-gbps/--link-latency-us into a spec. */
export function linkOfSpec(name: string) {
  const custom = /^custom:([^:]+):([^:]+)$/.exec(name);
  return custom ? resolveLink('custom', { gbps: Number(custom[1]), latencyUs: Number(custom[2]) }) : resolveLink(name);
}

/** `target` picks the memory constants: on each kind of device, an engine keeps other tensors alive. */
export function predictScenario(s: PredictionQuery, target: MemoryTarget = { engine: 'tfjs' }): Prediction {
  const link = linkOfSpec(s.link);
  const profile = memoryProfile(target);
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
    ),
    flops: flopsOf(s.loss, s.impl, s.strategy, s.world, s.localBatch, s.dim, s.chunk),
    commBytes: predictedComm(s.loss, s.strategy, s.world, s.localBatch, s.dim, FLOAT32).bytesSent,
    largestTensorBytes: largestTensorBytes(s),
    commMs: (bytes, rounds) => commTimeMs(bytes, rounds, link),
  };
}
