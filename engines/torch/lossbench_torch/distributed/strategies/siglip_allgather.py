"""siglip/allgather: all-gather y; rank k computes its b×N block x_k·y_allᵀ (its positives at
columns k·b + i) fused with its gradient; reduce-scatter d y_all.
Traffic: its formulas in contract/strategies.json (read by contract.py; the tests count it)."""
from __future__ import annotations

from ...inputs import Inputs
from .types import Context, RankStep


def siglip_allgather(ctx: Context, inp: Inputs) -> RankStep:
    y_all = ctx.comm.all_gather(inp.y, "fwd")
    o = ctx.sigmoid_block(inp, y_all, ctx.offset)
    del y_all
    dy = ctx.comm.reduce_scatter(o.dB, "bwd")  # type: ignore[arg-type]
    return RankStep(o.loss, o.dA, dy, o.dt, o.db, "sum")  # type: ignore[arg-type]
