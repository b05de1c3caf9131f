// Every strategy of every loss, once: what it does, how it runs, and what it costs — bytes and rounds per
// collective kind, FLOPs, and the element counts of the memory model — as formulas in the language of
// src/util/expr.ts, so that `npm run contract` carries them to the PyTorch engine (contract/strategies.json)
// and the docs' tables. A new strategy is its file in strategies/ plus one entry here; its memory constants
// (src/model/memory.ts) are then a compile error until fitted. The ledger must count exactly these bytes
// (test/distributed.test.ts; the torch engine's counts in engines/torch/tests/test_strategies.py).
import type { ImplName, LossName } from '../losses/types.js';
import type { CommFormula, PhaseFormula } from './formulas.js';
import type { CollectiveKind, Phase } from './ledger.js';
import { compile, type Compiled } from '../util/expr.js';
import type { Strategy as RankStrategy } from './strategies/types.js';
import { single } from './strategies/single.js';
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

/** A phase of one collective kind as formulas (src/util/expr.ts) of W, b, n, D: blocks of E sent, rounds. */
export interface PhaseExpr {
  blocks: string;
  rounds: string;
}
/** Per collective kind, forward and backward. */
export type CommExpr = Partial<Record<CollectiveKind, Record<Phase, PhaseExpr>>>;

/**
 * One strategy as data: every count is a formula (src/util/expr.ts) of W (devices), b (pairs per device),
 * n (= W·b) and D, so that contract/strategies.json (`npm run contract`) carries it to the other engine.
 */
export interface StrategyDef {
  /** One line for help texts and tables. */
  description: string;
  /** One rank's program (strategies/*.ts), run W times in lock-step (lockstep.ts). */
  run: RankStrategy;
  /** Holds all N pairs on one device: runs at W = 1 only ('single'). */
  oneDevice?: true;
  /** Per collective kind, forward and backward: blocks of E = s·b·D bytes one device sends per step, and rounds. */
  comm: CommExpr;
  /** Matmul FLOPs of one step, all devices together (2·m·n·k each; the O(N²) elementwise work left out). */
  flops: Record<ImplName, string>;
  /** Rows × columns of the logit block one device materialises at once (chunked: rows × min(c, cols)). */
  logitBlock: [rows: string, cols: string];
  /** Feature-sized elements one device holds at its peak (own, gathered, or partials). */
  heldFeatures: string;
}

const none: PhaseExpr = { blocks: '0', rounds: '0' };
const p = (blocks: string, rounds = blocks): PhaseExpr => ({ blocks, rounds });

/** All-gather forward and reduce-scatter backward, each `blocks` blocks of E in as many rounds. */
const gatherScatter = (blocks: string): CommExpr => ({
  'all-gather': { fwd: p(blocks), bwd: none },
  'reduce-scatter': { fwd: none, bwd: p(blocks) },
});

/** Single device over N: naive = logits + two backward matmuls (6N²D); chunked recomputes the logits (8N²D). */
const singleFlops = { naive: '6*n*n*D', chunked: '8*n*n*D' };

const oneDevice: StrategyDef = {
  description: 'one device holds all N pairs: the single-device loss',
  run: single,
  oneDevice: true,
  comm: {},
  flops: singleFlops,
  logitBlock: ['n', 'n'],
  heldFeatures: 'n*D',
};

/** SigLIP needs no normaliser: each block's forward and gradient in one pass (2 + 2 + 2 N²D), any split. */
const siglipFlops = { naive: '6*n*n*D', chunked: '6*n*n*D' };

export const STRATEGY_DEFS = {
  'clip/single': oneDevice,
  'clip/allgather-global': {
    description: 'all-gather x and y; every device computes the whole N×N loss and keeps its rows of dx, dy',
    run: clipAllgatherGlobal,
    comm: { 'all-gather': { fwd: p('2*(W-1)'), bwd: none } },
    flops: { naive: 'W*6*n*n*D', chunked: 'W*8*n*n*D' },
    logitBlock: ['n', 'n'],
    heldFeatures: 'n*D',
  },
  'clip/allgather-local': {
    description: 'all-gather x and y; each device its b×N logits both ways; reduce-scatter d(x_all), d(y_all)',
    run: clipAllgatherLocal,
    comm: gatherScatter('2*(W-1)'),
    // two b×N directions per device: 6 each (autodiff) or 8 (lse pass + recomputing grad pass)
    flops: { naive: '12*n*n*D', chunked: '16*n*n*D' },
    logitBlock: ['b', 'n'],
    heldFeatures: 'n*D',
  },
  'clip/ring': {
    description: '[x, y] blocks travel the ring: a log-sum-exp lap, then a recomputing gradient lap (Inf-CL)',
    run: clipRing,
    // [x, y] W−1 hops fwd; again + [dx, dy] accumulators bwd, the last hop alone (no round at all when W = 1)
    comm: { ring: { fwd: p('2*(W-1)', 'W-1'), bwd: p('4*(W-1)', 'W*min(W-1,1)') } },
    // two directions, each a lse lap (2) and a recomputing gradient lap (6), tiled or not
    flops: { naive: '16*n*n*D', chunked: '16*n*n*D' },
    logitBlock: ['b', 'b'],
    heldFeatures: 'b*D',
  },
  'siglip/single': oneDevice,
  'siglip/allgather': {
    description: 'all-gather y; each device its b×N logits; reduce-scatter d(y_all)',
    run: siglipAllgather,
    comm: gatherScatter('W-1'),
    flops: siglipFlops,
    logitBlock: ['b', 'n'],
    heldFeatures: 'n*D',
  },
  'siglip/ring': {
    description: 'y blocks travel the ring, d(y) accumulators ride along and hop home (SigLIP §3.3)',
    run: siglipRing,
    comm: { ring: { fwd: p('W-1'), bwd: p('W-1') } },
    flops: siglipFlops,
    logitBlock: ['b', 'b'],
    heldFeatures: 'b*D',
  },
  'siglip/ring-bidir': {
    description: 'y blocks travel both ways round the ring at once; a b×D partial kept per block (open_clip bidir)',
    run: siglipRingBidir,
    // two-way rounds as kind 'ring-bidir'; when W − 1 is odd, one more one-way shift as 'ring'
    comm: {
      'ring-bidir': { fwd: p('2*floor((W-1)/2)', 'floor((W-1)/2)'), bwd: p('2*floor((W-1)/2)', 'floor((W-1)/2)') },
      ring: { fwd: p('(W-1)%2'), bwd: p('(W-1)%2') },
    },
    flops: siglipFlops,
    logitBlock: ['b', 'b'],
    heldFeatures: 'W*b*D', // a b×D partial per received block
  },
} satisfies Record<`${LossName}/${string}`, StrategyDef>;

/** 'clip/single' | 'clip/allgather-global' | … | 'siglip/ring-bidir'. */
export type StrategyKey = keyof typeof STRATEGY_DEFS;
type NameOf<K> = K extends `${string}/${infer Name}` ? Name : never;
/** A strategy as flags, specs and results name it: 'single', 'ring', … (of one loss or another). */
export type StrategyName = NameOf<StrategyKey>;

/** An entry with its key split and its formulas compiled: what the model, the ledger tests and plan read. */
export interface Strategy {
  key: StrategyKey;
  loss: LossName;
  name: StrategyName;
  description: string;
  run: RankStrategy;
  /** Runs at W = 1 only: one device holds all N pairs. */
  oneDevice: boolean;
  /** The formulas as written (contract/strategies.json carries them). */
  def: StrategyDef;
  /** Per collective kind, forward and backward: blocks of E and rounds one device sends per step at W. */
  comm: (world: number) => CommFormula;
  flops: (impl: ImplName, s: StepSize) => number;
  logitBlock: (s: StepSize) => [rows: number, cols: number];
  heldFeatures: (s: StepSize) => number;
}

/** The variables of every formula. */
export const varsOf = (s: StepSize) => ({ W: s.world, b: s.localBatch, n: s.n, D: s.dim });

function compiled(key: StrategyKey, def: StrategyDef): Strategy {
  const [loss, name] = key.split('/') as [LossName, StrategyName];
  const phase = (e: PhaseExpr) => [compile(e.blocks), compile(e.rounds)] as const;
  const comm = Object.entries(def.comm).map(([kind, ph]) => [kind, phase(ph.fwd), phase(ph.bwd)] as const);
  const at = ([blocks, rounds]: readonly [Compiled, Compiled], W: number): PhaseFormula => ({
    blocks: blocks({ W }),
    rounds: rounds({ W }),
  });
  const flops = { naive: compile(def.flops.naive), chunked: compile(def.flops.chunked) };
  const [rows, cols] = [compile(def.logitBlock[0]), compile(def.logitBlock[1])];
  const held = compile(def.heldFeatures);
  return {
    key,
    loss,
    name,
    description: def.description,
    run: def.run,
    oneDevice: def.oneDevice ?? false,
    def,
    comm: (W) => Object.fromEntries(comm.map(([kind, fwd, bwd]) => [kind, { fwd: at(fwd, W), bwd: at(bwd, W) }])),
    flops: (impl, s) => flops[impl](varsOf(s)),
    logitBlock: (s) => [rows(varsOf(s)), cols(varsOf(s))],
    heldFeatures: (s) => held(varsOf(s)),
  };
}

/** Every strategy, in the registry's order (each loss's 'single' first). */
export const STRATEGY_LIST: readonly Strategy[] = (Object.keys(STRATEGY_DEFS) as StrategyKey[]).map((key) =>
  compiled(key, STRATEGY_DEFS[key]),
);

const namesOf = (loss: LossName) => STRATEGY_LIST.filter((s) => s.loss === loss).map((s) => s.name);
/** Strategy names per loss; 'single' is one device holding all N pairs. */
export const STRATEGIES: Record<LossName, readonly StrategyName[]> = {
  clip: namesOf('clip'),
  siglip: namesOf('siglip'),
};

/** The names of the W-device strategies, each once, over all losses (sweeps apply each where it exists). */
export const DISTRIBUTED_NAMES: readonly StrategyName[] = [
  ...new Set(STRATEGY_LIST.filter((s) => !s.oneDevice).map((s) => s.name)),
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
