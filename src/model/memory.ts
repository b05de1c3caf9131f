// Per-device peak loss memory of one step, bytes: s·(kLogit·L + kFeature·F), where L counts the logit
// elements one device materialises at once and F the feature-sized elements it holds.
//
// The constants count the live tensors of this project's implementations (src/losses, src/distributed):
// how many L- and F-sized tensors are alive at the busiest moment (naive autodiff keeps ~19 N×N tensors
// for CLIP, 16 for SigLIP since it differentiates tfjs's Softplus kernel). The SigLIP naive rows were
// refitted then (wasm, D = 64, b = 128..256, W = 1..8; within 18 %). tfjs's tensor accounting is
// backend-independent, so they hold on any backend. Measured with measureTensorPeak / measureDistributed
// on wasm (D = 32 and 64, c = 64 and 128, N = 256..4096 single, b = 128..256 × W = 2..8 distributed) and
// fitted by least squares per loss/strategy/impl (max error ≈ 5 % naive, ≤ 27 % chunked where lower-order
// terms dominate small N).
// `plan --calibrate` replaces them by a fit to a results folder of the user's own backend.
import type { ImplName, LossName, TorchOwnImpl } from '../losses/types.js';
import { stepSize, strategyOf, type Strategy, type StrategyKey } from '../distributed/registry.js';
import type { ScenarioShape } from './shape.js';

/** An implementation with a memory model: lossbench's own, and torch's checkpoint reference (torch tables only). */
export type ModelledImpl = ImplName | TorchOwnImpl;

/** The sizes of a scenario, and s (4 for fp32, 2 for bf16). */
export type MemoryQuery = ScenarioShape & { impl: ModelledImpl; bytesPerElement: number };

export interface MemoryConstants {
  /** Live logit-sized elements per logit element of the largest block. */
  kLogit: number;
  /** Live feature-sized elements per element of F. */
  kFeature: number;
}

/** 'loss/strategy/impl': the key of one set of constants. */
export type MemoryKey = `${StrategyKey}/${ImplName}`;

/** The keys of torch's own one-device reference (checkpoint): only the torch tables hold them. */
export type TorchOwnKey = `${LossName}/single/${TorchOwnImpl}`;
export type AnyMemoryKey = MemoryKey | TorchOwnKey;

export function isTorchOwnKey(key: string): key is TorchOwnKey {
  return /^(clip|siglip)\/single\/checkpoint$/.test(key);
}

/** Constants for some keys (a calibration); the others fall back to MEMORY_CONSTANTS. */
export type MemoryConstantTable = Partial<Record<AnyMemoryKey, MemoryConstants>>;

/** loss/strategy/impl → constants (see the header for how they were measured); one per strategy × impl. */
export const MEMORY_CONSTANTS = {
  // CLIP single refitted after the exact-diagonal forms (masked off-diagonal log-sum-exp): wasm,
  // N = 512..2048, D = 64 and 128, c = 64 and 256, within 1.2 %; chunked refitted again on the same grid
  // (within 2.6 %) when the tile library (src/losses/blocks.ts) kept the softmax as (max, sum).
  // naive refitted when it became the textbook step (tfjs's softmaxCrossEntropy with one-hot labels, issue
  // 16): wasm, the same grids (scripts/memory-peaks.ts clip/…/naive); single exact, allgather-global within
  // 1.5 %, allgather-local within 10 %.
  'clip/single/naive': { kLogit: 24.0, kFeature: 3.08 },
  'clip/single/chunked': { kLogit: 12.0, kFeature: 6.55 },
  // The distributed rows below (and clip/allgather-global/chunked) refitted when every strategy moved
  // onto the tile library, positives masked inside their blocks: wasm, D = 32 and 64, c = 64 and 128,
  // b = 128 and 256 × W = 2, 4, 8 (scripts/memory-peaks.ts); within 5 % (allgather-global), 0.1..18 %
  // naive, 4..21 % chunked.
  'clip/allgather-global/naive': { kLogit: 24.0, kFeature: 5.65 },
  'clip/allgather-global/chunked': { kLogit: 12.24, kFeature: 8.41 },
  'clip/allgather-local/naive': { kLogit: 11.0, kFeature: 6.51 },
  'clip/allgather-local/chunked': { kLogit: 7.57, kFeature: 5.73 },
  'clip/ring/naive': { kLogit: 7.15, kFeature: 11.37 },
  'clip/ring/chunked': { kLogit: 5.65, kFeature: 17.96 },
  'siglip/single/naive': { kLogit: 16.0, kFeature: 4.03 },
  // Refitted after the chunked SigLIP gained its positive mask: from peak tensor bytes at N = 32768,
  // D = 512, c = 1024 and 4096 (webgpu, H200); then kLogit lowered by 1.25, the change measured on wasm
  // (N = 512..2048, D = 64 and 128, c = 64 and 256) when the mask became a ±1 factor (blocks.ts'
  // negatedLabels); matches wasm N = 2048, D = 64, c = 64 and 256 within 5 %.
  'siglip/single/chunked': { kLogit: 8.68, kFeature: 5.67 },
  'siglip/allgather/naive': { kLogit: 11.0, kFeature: 4.34 },
  'siglip/allgather/chunked': { kLogit: 10.09, kFeature: 2.97 },
  'siglip/ring/naive': { kLogit: 11.01, kFeature: 10.03 },
  'siglip/ring/chunked': { kLogit: 8.76, kFeature: 8.05 },
  'siglip/ring-bidir/naive': { kLogit: 12.26, kFeature: 0.82 },
  'siglip/ring-bidir/chunked': { kLogit: 9.79, kFeature: 1.63 },
} satisfies Record<MemoryKey, MemoryConstants>;

export function isMemoryKey(key: string): key is MemoryKey {
  return Object.hasOwn(MEMORY_CONSTANTS, key);
}

/** Logit elements of a rows × cols block as an impl holds them: all of it naive, c-wide strips chunked (and
 * checkpoint). */
export function logitElements(impl: ModelledImpl, [rows, cols]: [number, number], chunk: number | null): number {
  return impl === 'naive' || chunk === null ? rows * cols : rows * Math.min(chunk, cols);
}

/**
 * The element counts [L, F] of one device: its strategy's logit block as the impl holds it, and the
 * feature elements it holds (both from the strategy's entry in src/distributed/registry.ts).
 */
export function memoryTerms(
  q: Omit<MemoryQuery, 'bytesPerElement'>,
  s: Strategy = strategyOf(q.loss, q.strategy),
): [number, number] {
  const size = stepSize(q.world, q.localBatch, q.dim);
  return [logitElements(q.impl, s.logitBlock(size), q.chunk), s.heldFeatures(size)];
}

/** `strategy`: the query's registry entry, when the caller has looked it up already. */
export function predictPeakBytes(
  q: MemoryQuery,
  constants: MemoryConstantTable = MEMORY_CONSTANTS,
  strategy?: Strategy,
): number {
  const key = `${q.loss}/${q.strategy}/${q.impl}`;
  const k = isMemoryKey(key)
    ? (constants[key] ?? MEMORY_CONSTANTS[key])
    : isTorchOwnKey(key)
      ? constants[key]
      : undefined;
  if (!k) throw new RangeError(`no memory model for ${key}${isTorchOwnKey(key) ? ' (the torch tables have it)' : ''}`);
  const [L, F] = memoryTerms(q, strategy);
  return q.bytesPerElement * (k.kLogit * L + k.kFeature * F);
}
