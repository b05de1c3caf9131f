// clip / allgather-local (open_clip `local_loss=True, gather_with_grad=True`): all-gather x and y;
// device k computes its b×N logits both ways — image→text x_k·y_allᵀ (rows i of the global logits)
// and text→image y_k·x_allᵀ (columns j of the global logits: the column log-sum-exp spans all N
// images, so own texts against all gathered images) — plus its positives. Summed over devices this is
// exactly the single-device loss over N. Backward: d(y_all) and d(x_all) partials are reduce-scattered.
//
// Traffic: its formulas in src/distributed/registry.ts (contract/strategies.json), checked against the ledger.
// Memory: x_all, y_all, d(x_all), d(y_all) (4·N·D) + one b×N direction at a time. The positives of x_k (rows k·b.. of
// y_all) are masked inside each direction (src/losses/blocks.ts): no separate diagonal term.
import { tf, type Scalar, type Tensor2D } from '../../engine/tf.js';
import { softmaxRows, softmaxRowsNaive } from '../../losses/blocks.js';
import { gatherFeatures, reduceScatter } from '../collectives.js';
import type { StrategyContext, StrategyRun } from './types.js';

/**
 * One softmax direction on device k: its rows A against all N columns B (whose rows k·b.. are A's
 * pairs), positives masked: [loss share, dA, dB, dt'].
 */
function direction(ctx: StrategyContext, k: number, A: Tensor2D, B: Tensor2D): [Scalar, Tensor2D, Tensor2D, Scalar] {
  const { tPrime, b, n } = ctx;
  return ctx.world.devices[k]!.compute(() =>
    ctx.impl === 'naive'
      ? softmaxRowsNaive(A, B, tPrime, 1 / (2 * n), k * b)
      : softmaxRows(A, B, tPrime, 1 / (2 * n), k * b, ctx.chunk),
  );
}

export const clipAllgatherLocal: StrategyRun = (ctx, shards) => {
  const { world, b } = ctx;
  const [xAll, yAll] = gatherFeatures(world, shards);
  const local = shards.map(({ x, y }, k) => {
    const dev = world.devices[k]!;
    const [lI, dx, dyAll, dtI] = direction(ctx, k, x, yAll[k]!); // image→text
    const [lT, dy, dxAll, dtT] = direction(ctx, k, y, xAll[k]!); // text→image
    dev.drop(xAll[k], yAll[k]);
    const [loss, dt] = dev.compute(() => [tf.add(lI, lT), tf.add(dtI, dtT)]);
    dev.drop(lI, lT, dtI, dtT);
    return { loss: loss as Scalar, dx, dy, dt: dt as Scalar, dxAll, dyAll };
  });
  const dxShare = reduceScatter(
    world,
    'bwd',
    local.map((l) => l.dxAll),
    b,
  );
  local.forEach((l, k) => world.devices[k]!.drop(l.dxAll));
  const dyShare = reduceScatter(
    world,
    'bwd',
    local.map((l) => l.dyAll),
    b,
  );
  local.forEach((l, k) => world.devices[k]!.drop(l.dyAll));
  return {
    scalars: 'sum',
    devices: local.map((l, k) => {
      const dev = world.devices[k]!;
      const [dx, dy] = dev.compute(() => [tf.add(l.dx, dxShare[k]!), tf.add(l.dy, dyShare[k]!)]);
      dev.drop(l.dx, l.dy, dxShare[k], dyShare[k]);
      return { loss: l.loss, dx: dx as Tensor2D, dy: dy as Tensor2D, dtPrime: l.dt };
    }),
  };
};
