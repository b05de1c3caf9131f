// siglip / allgather: all-gather y; device k computes its b×N logits x_k·y_allᵀ; reduce-scatter d(y_all).
//
// Traffic: its formulas in src/distributed/registry.ts (contract/strategies.json), checked against the ledger.
// Memory: y_all and d(y_all) (2·N·D) + b×N logits.
import type { Tensor2D } from '../../engine/tf.js';
import { sigmoidBlock, sigmoidBlockNaive } from '../../losses/blocks.js';
import { allGather, reduceScatter } from '../collectives.js';
import type { StrategyRun } from './types.js';

export const siglipAllgather: StrategyRun = (ctx, shards) => {
  const { world, n, b, tPrime, bias } = ctx;
  const yAll = allGather(
    world,
    'fwd',
    shards.map((s) => s.y),
  );
  const local = shards.map(({ x }, k) => {
    const dev = world.devices[k]!;
    // One pass over y_all; the positives (rows k·b.. of y_all) are negated inside their tiles.
    const [loss, dx, dyAll, dt, db] = dev.compute(() =>
      ctx.impl === 'naive'
        ? sigmoidBlockNaive(x, yAll[k]!, tPrime, bias, 1 / n, k * b)
        : sigmoidBlock(x, yAll[k]!, tPrime, bias, 1 / n, k * b, ctx.chunk),
    );
    dev.drop(yAll[k]);
    return { loss, dx, dyAll, dt, db };
  });
  const dyShare = reduceScatter(
    world,
    'bwd',
    local.map((l) => l.dyAll),
    b,
  );
  return {
    scalars: 'sum',
    devices: local.map((l, k) => {
      world.devices[k]!.drop(l.dyAll);
      return { loss: l.loss, dx: l.dx, dy: dyShare[k] as Tensor2D, dtPrime: l.dt, dBias: l.db };
    }),
  };
};
