// Every strategy of every loss, once: what it does, how it runs, and what it costs — bytes per
// collective kind, FLOPs, and the element counts of the memory model. A new strategy is its file in
// strategies/ plus one entry here; its memory constants (src/model/memory.ts) are then a compile error
// until fitted. The byte formulas are derived beside each strategy's code (strategies/*.ts headers) and
// checked against the ledger by test/distributed.test.ts; docs/design.md, "Strategies and byte formulas".
import type { ImplName, LossName } from '../losses/types.js';
import type { CommFormula, PhaseFormula } from './formulas.js';
import type { StrategyRun } from './strategies/types.js';
import { clipAllgatherGlobal } from './strategies/clip-allgather-global.js';
import { clipAllgatherLocal } from './strategies/clip-allgather-local.js';
import { clipRing } from './strategies/clip-ring.js';
import { siglipAllgather } from './strategies/siglip-allgather.js';
import { siglipRing } from './strategies/siglip-ring.js';
import { siglipRingBidir } from './strategies/siglip-ring-bidir.js';

/** One step's sizes, in elements and devices: W devices holding b pairs each (N = W·b) of D features. */
export interface StepSize {
  world: number;
  localBatch: number;
  /** Global batch N = world × localBatch. */
  n: number;
  dim: number;
}

export const stepSize = (world: number, localBatch: number, dim: number): StepSize => ({
  world,
  localBatch,
  n: world * localBatch,
  dim,
});

export interface StrategyDef {
  /** One line for help texts and tables. */
  description: string;
  /** The W-device step (strategies/*.ts), or 'one-device': the loss's own step over all N pairs. */
  run: StrategyRun | 'one-device';
  /** Per collective kind, forward and backward: blocks of E = s·b·D bytes one device sends per step, and rounds. */
  comm: (world: number) => CommFormula;
  /** Matmul FLOPs of one step, all devices together (2·m·n·k each; the O(N²) elementwise work left out). */
  flops: (impl: ImplName, s: StepSize) => number;
  /** Rows × columns of the logit block one device materialises at once (chunked: rows × min(c, cols)). */
  logitBlock: (s: StepSize) => [rows: number, cols: number];
  /** Feature-sized elements one device holds at its peak (own, gathered, or partials). */
  heldFeatures: (s: StepSize) => number;
}

const none: PhaseFormula = { blocks: 0, rounds: 0 };
const p = (blocks: number, rounds: number): PhaseFormula => ({ blocks, rounds });

/** Single device over N: naive = logits + two backward matmuls (6N²D); chunked recomputes the logits (8N²D). */
function singleFlops(impl: ImplName, n: number, dim: number): number {
  return (impl === 'naive' ? 6 : 8) * n * n * dim;
}

const oneDevice: StrategyDef = {
  description: 'one device holds all N pairs: the single-device loss',
  run: 'one-device',
  comm: () => ({}),
  flops: (impl, s) => singleFlops(impl, s.n, s.dim),
  logitBlock: (s) => [s.n, s.n],
  heldFeatures: (s) => s.n * s.dim,
};

/** SigLIP needs no normaliser: each block's forward and gradient in one pass (2 + 2 + 2 N²D), any split. */
const siglipFlops = (_impl: ImplName, s: StepSize) => 6 * s.n * s.n * s.dim;

export const STRATEGY_DEFS = {
  'clip/single': oneDevice,
  'clip/allgather-global': {
    description: 'all-gather x and y; every device computes the whole N×N loss and keeps its rows of dx, dy',
    run: clipAllgatherGlobal,
    comm: (W) => ({ 'all-gather': { fwd: p(2 * (W - 1), 2 * (W - 1)), bwd: none } }),
    flops: (impl, s) => s.world * singleFlops(impl, s.n, s.dim),
    logitBlock: (s) => [s.n, s.n],
    heldFeatures: (s) => s.n * s.dim,
  },
  'clip/allgather-local': {
    description: 'all-gather x and y; each device its b×N logits both ways; reduce-scatter d(x_all), d(y_all)',
    run: clipAllgatherLocal,
    comm: (W) => ({
      'all-gather': { fwd: p(2 * (W - 1), 2 * (W - 1)), bwd: none },
      'reduce-scatter': { fwd: none, bwd: p(2 * (W - 1), 2 * (W - 1)) },
    }),
    // two b×N directions per device: 6 each (autodiff) or 8 (lse pass + recomputing grad pass)
    flops: (impl, s) => (impl === 'naive' ? 12 : 16) * s.n * s.n * s.dim,
    logitBlock: (s) => [s.localBatch, s.n],
    heldFeatures: (s) => s.n * s.dim,
  },
  'clip/ring': {
    description: '[x, y] blocks travel the ring: a log-sum-exp lap, then a recomputing gradient lap (Inf-CL)',
    run: clipRing,
    // [x, y] W−1 hops fwd; again + [dx, dy] accumulators bwd, the last hop alone
    comm: (W) => ({ ring: { fwd: p(2 * (W - 1), W - 1), bwd: p(4 * (W - 1), W > 1 ? W : 0) } }),
    // two directions, each a lse lap (2) and a recomputing gradient lap (6), tiled or not
    flops: (_impl, s) => 16 * s.n * s.n * s.dim,
    logitBlock: (s) => [s.localBatch, s.localBatch],
    heldFeatures: (s) => s.localBatch * s.dim,
  },
  'siglip/single': oneDevice,
  'siglip/allgather': {
    description: 'all-gather y; each device its b×N logits; reduce-scatter d(y_all)',
    run: siglipAllgather,
    comm: (W) => ({
      'all-gather': { fwd: p(W - 1, W - 1), bwd: none },
      'reduce-scatter': { fwd: none, bwd: p(W - 1, W - 1) },
    }),
    flops: siglipFlops,
    logitBlock: (s) => [s.localBatch, s.n],
    heldFeatures: (s) => s.n * s.dim,
  },
  'siglip/ring': {
    description: 'y blocks travel the ring, d(y) accumulators ride along and hop home (SigLIP §3.3)',
    run: siglipRing,
    comm: (W) => ({ ring: { fwd: p(W - 1, W - 1), bwd: p(W - 1, W - 1) } }),
    flops: siglipFlops,
    logitBlock: (s) => [s.localBatch, s.localBatch],
    heldFeatures: (s) => s.localBatch * s.dim,
  },
  'siglip/ring-bidir': {
    description: 'y blocks travel both ways round the ring at once; a b×D partial kept per block (open_clip bidir)',
    run: siglipRingBidir,
    // two-way rounds as kind 'ring-bidir'; when W − 1 is odd, one more one-way shift as 'ring'
    comm: (W) => {
      const bidir = Math.floor((W - 1) / 2);
      const odd = (W - 1) % 2;
      return {
        'ring-bidir': { fwd: p(2 * bidir, bidir), bwd: p(2 * bidir, bidir) },
        ring: { fwd: p(odd, odd), bwd: p(odd, odd) },
      };
    },
    flops: siglipFlops,
    logitBlock: (s) => [s.localBatch, s.localBatch],
    heldFeatures: (s) => s.world * s.localBatch * s.dim, // a b×D partial per received block
  },
} satisfies Record<`${LossName}/${string}`, StrategyDef>;

/** 'clip/single' | 'clip/allgather-global' | … | 'siglip/ring-bidir'. */
export type StrategyKey = keyof typeof STRATEGY_DEFS;
type NameOf<K> = K extends `${string}/${infer Name}` ? Name : never;
/** A strategy as flags, specs and results name it: 'single', 'ring', … (of one loss or another). */
export type StrategyName = NameOf<StrategyKey>;

/** An entry with its key split: the loss it computes and its name. */
export interface Strategy extends StrategyDef {
  key: StrategyKey;
  loss: LossName;
  name: StrategyName;
}

/** Every strategy, in the registry's order (each loss's 'single' first). */
export const STRATEGY_LIST: readonly Strategy[] = (Object.keys(STRATEGY_DEFS) as StrategyKey[]).map((key) => {
  const [loss, name] = key.split('/') as [LossName, StrategyName];
  return { ...STRATEGY_DEFS[key], key, loss, name };
});

const namesOf = (loss: LossName) => STRATEGY_LIST.filter((s) => s.loss === loss).map((s) => s.name);
/** Strategy names per loss; 'single' is one device holding all N pairs. */
export const STRATEGIES: Record<LossName, readonly StrategyName[]> = {
  clip: namesOf('clip'),
  siglip: namesOf('siglip'),
};

/** The names of the W-device strategies, each once, over all losses (sweeps apply each where it exists). */
export const DISTRIBUTED_NAMES: readonly StrategyName[] = [
  ...new Set(STRATEGY_LIST.filter((s) => s.run !== 'one-device').map((s) => s.name)),
];

const BY_KEY: ReadonlyMap<string, Strategy> = new Map(STRATEGY_LIST.map((s) => [s.key, s]));

export function hasStrategy(loss: string, name: string): boolean {
  return BY_KEY.has(`${loss}/${name}`);
}

/** The entry of a strategy named by strings (a spec, a results row); a RangeError if there is none. */
export function strategyOf(loss: string, name: string): Strategy {
  const s = BY_KEY.get(`${loss}/${name}`);
  if (!s) throw new RangeError(`unknown strategy ${loss}/${name}`);
  return s;
}
