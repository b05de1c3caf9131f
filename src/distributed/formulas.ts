// The analytic traffic of each strategy, per device per step: each strategy's formula is in its
// registry entry (registry.ts), derived beside its code (src/distributed/strategies/*.ts).
// Units: E = s·b·D bytes (one device's block of features).
import type { LossName } from '../losses/types.js';
import type { CollectiveKind, Phase } from './ledger.js';
import { strategyOf } from './registry.js';

export interface PhaseFormula {
  /** Bytes sent (= received) per device, in multiples of E. */
  blocks: number;
  rounds: number;
}
export type CommFormula = Partial<Record<CollectiveKind, Record<Phase, PhaseFormula>>>;

/** Per collective kind, forward and backward: what one device sends in one step (all devices alike). */
export function commFormula(loss: LossName, strategy: string, W: number): CommFormula {
  return strategyOf(loss, strategy).comm(W);
}

export interface CommBytes {
  bytesSent: number;
  bytesReceived: number;
  rounds: number;
}

/** Bytes sent/received and rounds per device per step (forward + backward). */
export function predictedComm(
  loss: LossName,
  strategy: string,
  world: number,
  localBatch: number,
  dim: number,
  bytesPerElement: number,
): CommBytes {
  return commTotals(commFormula(loss, strategy, world), bytesPerElement * localBatch * dim);
}

/** A formula's bytes sent/received and rounds per device per step, E bytes a block. */
export function commTotals(formula: CommFormula, E: number): CommBytes {
  let blocks = 0;
  let rounds = 0;
  for (const k of Object.values(formula))
    for (const ph of [k.fwd, k.bwd]) {
      blocks += ph.blocks;
      rounds += ph.rounds;
    }
  return { bytesSent: blocks * E, bytesReceived: blocks * E, rounds };
}
