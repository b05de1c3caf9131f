// One rank's context (strategies/types.ts) on its simulated device: its collectives and sizes, and the
// local computations and drops charged to that device (world.ts).
import type { Tensor } from '../engine/tf.js';
import { sigmoidBlock, sigmoidBlockNaive } from '../losses/blocks.js';
import type { ImplName, LossName, LossStep, TfjsGpuImpl } from '../losses/types.js';
import { rankComm } from './collectives.js';
import type { RankContext } from './strategies/types.js';
import type { SimDevice } from './world.js';

export interface RankSizes {
  loss: LossName;
  impl: ImplName | TfjsGpuImpl;
  chunk: number;
  lossStep: LossStep;
  /** Global batch N = W·b. */
  n: number;
  world: number;
}

export function rankContext(dev: SimDevice, s: RankSizes): RankContext {
  const b = s.n / s.world;
  return {
    comm: rankComm(dev.rank, s.world),
    loss: s.loss,
    impl: s.impl,
    lossStep: s.lossStep,
    chunk: s.chunk,
    n: s.n,
    b,
    offset: dev.rank * b,
    tile: (width) => (s.impl === 'naive' ? Math.max(width, 1) : s.chunk),
    compute: <T extends Tensor[]>(fn: () => [...T]) => dev.compute<T>(fn),
    drop: (...ts: (Tensor | undefined)[]) => dev.drop(...ts),
    sigmoidBlock: (inp, B, offset) =>
      dev.compute(() =>
        s.impl === 'naive'
          ? sigmoidBlockNaive(inp.x, B, inp.tPrime, inp.bias, 1 / s.n, offset)
          : sigmoidBlock(inp.x, B, inp.tPrime, inp.bias, 1 / s.n, offset, s.chunk),
      ),
  };
}
