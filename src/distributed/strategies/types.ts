// What a strategy is: the program of ONE rank (as engines/torch/.../strategies/types.py has it). It gets
// its context and its shard, yields each collective it takes part in (collectives.ts) and is resumed with
// what it received; it returns its rows of dx, dy and its share of the scalars. lockstep.ts runs W of them.
import type { Scalar, Tensor, Tensor2D } from '../../engine/tf.js';
import type { DiagonalOffset, SigmoidBlock } from '../../losses/blocks.js';
import type { ImplName, LossInputs, LossName, LossStep, TfjsGpuImpl } from '../../losses/types.js';
import type { Collective, RankComm } from '../collectives.js';

export interface RankContext {
  /** This rank's collectives, its rank and the world size. */
  comm: RankComm;
  loss: LossName;
  /** naive: each local block in one tile; chunked: tiles of `chunk` columns (fused: 'single' only). */
  impl: ImplName | TfjsGpuImpl;
  chunk: number;
  /** The loss's own one-device step of this impl (src/losses): 'single' runs it; allgather-global over N. */
  lossStep: LossStep;
  /** Global batch N = W·b. */
  n: number;
  /** Local batch b. */
  b: number;
  /** Row of this rank's first pair among the N (rank·b): its positives' column in gathered blocks. */
  offset: number;
  /** The tile width of a block `width` columns wide: all of it when naive, c when chunked. */
  tile(width: number): number;
  /** A local computation on this rank's device: fn runs in a tidy; what it returns is held by the device. */
  compute<T extends Tensor[]>(fn: () => [...T]): T;
  /** Disposes tensors (and frees what the device held of them). */
  drop(...ts: (Tensor | undefined)[]): void;
  /**
   * This rank's rows inp.x against block B of SigLIP's logits (offset: the column of its first positive
   * in B, null when B holds none), computed on its device: [loss share, dx, dB, dt', dβ] scaled by 1/N;
   * naive as the textbook writes it (autodiff through the whole block), chunked in tiles of c.
   */
  sigmoidBlock(inp: LossInputs, B: Tensor2D, offset: DiagonalOffset): SigmoidBlock;
}

/** This rank's results, held by its device: its rows of dx and dy and its share of the scalars. */
export interface RankStep {
  loss: Scalar;
  dx: Tensor2D;
  dy: Tensor2D;
  dt: Scalar;
  /** SigLIP only. */
  db?: Scalar;
  /** 'sum': the scalars are the ranks' shares to add up; 'replicated': every rank has the whole value. */
  scalars: 'sum' | 'replicated';
}

/** One rank's step: yields its collectives, is resumed with what each brought, returns its results. */
export type RankProgram = Generator<Collective, RankStep, Tensor[]>;

/** A strategy: one rank's program, given its context and its b pairs (x, y) with the shared t', β. */
export type Strategy = (ctx: RankContext, inp: LossInputs) => RankProgram;
