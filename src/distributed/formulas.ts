// The analytic traffic of each strategy, per device per step, derived beside each strategy's code
// (src/distributed/strategies/*.ts). Units: E = s·b·D bytes (one device's block of features).
// Free of tfjs so that `plan` can load it cheaply.
import type { LossName } from '../losses/types.js';

export interface PhaseFormula {
  /** Bytes sent (= received) per device, in multiples of E. */
  blocks: number;
  rounds: number;
}
export type CommFormula = Record<string, { fwd: PhaseFormula; bwd: PhaseFormula }>;

const none: PhaseFormula = { blocks: 0, rounds: 0 };
const p = (blocks: number, rounds: number): PhaseFormula => ({ blocks, rounds });

/** Per collective kind, forward and backward: what one device sends in one step (all devices alike). */
export function commFormula(loss: LossName, strategy: string, W: number): CommFormula {
  const w1 = W - 1;
  const key = `${loss}/${strategy}`;
  switch (key) {
    case 'clip/single':
    case 'siglip/single':
      return {};
    case 'clip/allgather-global': // all-gather x and y
      return { 'all-gather': { fwd: p(2 * w1, 2 * w1), bwd: none } };
    case 'clip/allgather-local': // all-gather x, y; reduce-scatter dx_all, dy_all
      return { 'all-gather': { fwd: p(2 * w1, 2 * w1), bwd: none }, 'reduce-scatter': { fwd: none, bwd: p(2 * w1, 2 * w1) } };
    case 'clip/ring': // [x, y] W−1 hops fwd; again + [dx, dy] accumulators bwd, the last hop alone
      return { ring: { fwd: p(2 * w1, w1), bwd: p(4 * w1, W > 1 ? W : 0) } };
    case 'siglip/allgather':
      return { 'all-gather': { fwd: p(w1, w1), bwd: none }, 'reduce-scatter': { fwd: none, bwd: p(w1, w1) } };
    case 'siglip/ring':
      return { ring: { fwd: p(w1, w1), bwd: p(w1, w1) } };
    case 'siglip/ring-bidir': {
      const bidir = Math.floor(w1 / 2);
      const odd = w1 % 2;
      return { 'ring-bidir': { fwd: p(2 * bidir, bidir), bwd: p(2 * bidir, bidir) }, ring: { fwd: p(odd, odd), bwd: p(odd, odd) } };
    }
    default:
      throw new RangeError(`unknown strategy ${key}`);
  }
}

export interface CommBytes {
  bytesSent: number;
  bytesReceived: number;
  rounds: number;
}

/** Bytes sent/received and rounds per device per step (forward + backward). */
export function predictedComm(loss: LossName, strategy: string, world: number, localBatch: number, dim: number, bytesPerElement: number): CommBytes {
  const E = bytesPerElement * localBatch * dim;
  let blocks = 0;
  let rounds = 0;
  for (const k of Object.values(commFormula(loss, strategy, world)))
    for (const ph of [k.fwd, k.bwd]) {
      blocks += ph.blocks;
      rounds += ph.rounds;
    }
  return { bytesSent: blocks * E, bytesReceived: blocks * E, rounds };
}
