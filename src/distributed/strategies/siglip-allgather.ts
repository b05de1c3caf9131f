// siglip / allgather: all-gather y; device k computes its b×N logits x_k·y_allᵀ; reduce-scatter d(y_all).
//
// Bytes per device (E = s·b·D): the ring all-gather forwards one block per round, W−1 rounds:
// (W−1)·E fwd; the ring reduce-scatter of the N×D partial d(y_all) likewise: (W−1)·E bwd.
// Total 2(W−1)·E sent (and received), 2(W−1) rounds. Memory: y_all and d(y_all) (2·N·D) + b×N logits.
import { tf, type Scalar, type Tensor2D } from '../../engine/tf.js';
import { sigmoidBlock, sigmoidBlockNaive, sigmoidPositives } from '../blocks.js';
import { allGather, reduceScatter } from '../collectives.js';
import type { StrategyRun } from './types.js';

export const siglipAllgather: StrategyRun = (ctx, shards) => {
  const { world, n, b, tPrime, bias } = ctx;
  const yAll = allGather(world, 'fwd', shards.map((s) => s.y));
  const local = shards.map(({ x, y }, k) => {
    const dev = world.devices[k]!;
    // Off-diagonal and diagonal columns in one pass over y_all; positives are this device's own rows.
    const [loss, dx, dyAll, dt, db] =
      ctx.impl === 'naive'
        ? dev.compute(() => sigmoidBlockNaive(x, yAll[k]!, tPrime, bias, n, false))
        : dev.compute(() => sigmoidBlock(x, yAll[k]!, tPrime, bias, n, false, ctx.chunk));
    dev.drop(yAll[k]);
    // The positives −l_ii/N of this device's own pairs, in closed form.
    const [loss2, dx2, dyOwn, dt2, db2] = dev.compute(() => {
      const [pl, pdx, pdy, pdt, pdb] = sigmoidPositives(x, y, tPrime, bias, n);
      return [tf.add(loss, pl) as Scalar, tf.add(dx, pdx) as Tensor2D, pdy, tf.add(dt, pdt) as Scalar, tf.add(db, pdb) as Scalar];
    });
    dev.drop(loss, dx, dt, db);
    return { loss: loss2!, dx: dx2!, dyAll, dyOwn: dyOwn!, dt: dt2!, db: db2! };
  });
  const dyShare = reduceScatter(world, 'bwd', local.map((l) => l.dyAll), b);
  return {
    scalars: 'sum',
    devices: local.map((l, k) => {
      const dev = world.devices[k]!;
      dev.drop(l.dyAll);
      const [dy] = dev.compute(() => [tf.add(dyShare[k]!, l.dyOwn) as Tensor2D]);
      dev.drop(dyShare[k], l.dyOwn);
      return { loss: l.loss, dx: l.dx, dy: dy!, dtPrime: l.dt, dBias: l.db };
    }),
  };
};

