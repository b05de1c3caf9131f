// siglip / allgather: all-gather y; rank k computes its b×N block x_k·y_allᵀ (its positives at columns
// k·b + i) fused with its gradient; reduce-scatter d(y_all).
//
// Traffic: its formulas in src/distributed/registry.ts (contract/strategies.json), checked against the ledger.
// Memory: y_all and d(y_all) (2·N·D) + b×N logits.
import type { Strategy } from './types.js';

export const siglipAllgather: Strategy = function* (ctx, inp) {
  const yAll = yield* ctx.comm.allGather(inp.y, 'fwd');
  const [loss, dx, dyAll, dt, db] = ctx.sigmoidBlock(inp, yAll, ctx.offset);
  ctx.drop(yAll);
  const dy = yield* ctx.comm.reduceScatter(dyAll, 'bwd');
  ctx.drop(dyAll);
  return { loss, dx, dy, dt, db, scalars: 'sum' };
};
