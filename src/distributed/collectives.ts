// The collectives as one rank takes part in them. A rank program (strategies/*.ts) yields one request
// per collective — what it sends — and is resumed with what it received:
//     const [xj, yj] = yield* comm.ringShift([x, y], 'fwd');
// Names and arguments are those of the torch engine's Comm (engines/torch/lossbench_torch/distributed/
// comm.py). The simulated world (lockstep.ts) pairs the W ranks' requests, moves the tensors and keeps
// the ledger.
import type { Tensor, Tensor2D } from '../engine/tf.js';
import type { CollectiveKind, Phase } from './ledger.js';

/** One rank's part in one collective. */
export interface Collective {
  kind: CollectiveKind;
  phase: Phase;
  /** ring: sent to the rank `step` places on, received from `step` places back (1 elsewhere). */
  step: 1 | -1;
  /** ring: one message; ring-bidir: [to the right, to the left]; all-gather: the b×D block;
   *  reduce-scatter: the N×D partial. */
  tensors: Tensor[];
}

/** A collective as a rank program runs it (`yield*`): it comes back with what the rank received. */
export type Exchange<R> = Generator<Collective, R, Tensor[]>;

/** Sends ts to the rank `step` places on and receives the same shapes from `step` places back. */
function* ringShift<T extends Tensor[]>(ts: [...T], phase: Phase, step: 1 | -1 = 1): Exchange<T> {
  return (yield { kind: 'ring', phase, step, tensors: ts }) as T;
}

/** One two-way round: toRight goes to rank+1, toLeft to rank−1; returns [fromLeft, fromRight]. */
function* bidirShift<T extends Tensor>(toRight: T, toLeft: T, phase: Phase): Exchange<[fromLeft: T, fromRight: T]> {
  return (yield { kind: 'ring-bidir', phase, step: 1, tensors: [toRight, toLeft] }) as [T, T];
}

/** Every rank's b×D block concatenated in rank order (N×D), held by this rank. */
function* allGather(t: Tensor2D, phase: Phase): Exchange<Tensor2D> {
  const [all] = yield { kind: 'all-gather', phase, step: 1, tensors: [t] };
  return all as Tensor2D;
}

/** Σ over ranks of t (N×D): this rank's block of b rows. */
function* reduceScatter(t: Tensor2D, phase: Phase): Exchange<Tensor2D> {
  const [mine] = yield { kind: 'reduce-scatter', phase, step: 1, tensors: [t] };
  return mine as Tensor2D;
}

/** One rank's view of the collectives: who it is, and the calls (comm.py's Comm, as generators). */
export interface RankComm {
  rank: number;
  world: number;
  ringShift: typeof ringShift;
  bidirShift: typeof bidirShift;
  allGather: typeof allGather;
  reduceScatter: typeof reduceScatter;
}

export const rankComm = (rank: number, world: number): RankComm => ({
  rank,
  world,
  ringShift,
  bidirShift,
  allGather,
  reduceScatter,
});
