// clip / allgather-global: all-gather x and y; every rank computes the whole N×N loss with the
// single-device implementation and keeps its own rows of dx and dy. Nothing flows back: the loss and
// dt' are replicated.
//
// Traffic: its formulas in src/distributed/registry.ts (contract/strategies.json), checked against the ledger.
// Memory: x_all, y_all (2·N·D) plus the single-device peak at N — it grows as N².
import { tf, type Tensor2D } from '../../engine/tf.js';
import type { Strategy } from './types.js';

export const clipAllgatherGlobal: Strategy = function* (ctx, inp) {
  const xAll = yield* ctx.comm.allGather(inp.x, 'fwd');
  const yAll = yield* ctx.comm.allGather(inp.y, 'fwd');
  const [loss, dx, dy, dt] = ctx.compute(() => {
    const r = ctx.lossStep({ x: xAll, y: yAll, tPrime: inp.tPrime, bias: inp.bias });
    const own = (g: Tensor2D) => tf.slice(g, [ctx.offset, 0], [ctx.b, -1]) as Tensor2D;
    return [r.loss, own(r.grads.x), own(r.grads.y), r.grads.tPrime];
  });
  ctx.drop(xAll, yAll);
  return { loss, dx, dy, dt, scalars: 'replicated' };
};
