"""clip/allgather-global: all-gather x and y; every rank computes the whole N×N step with the
single-device implementation and keeps its own rows of dx, dy. Loss and dt' are replicated.
Traffic: its formulas in contract/strategies.json (read by contract.py; the tests count it). Memory grows as N²."""
from __future__ import annotations

from ...inputs import Inputs
from ...losses import loss_step
from .types import Context, RankStep


def clip_allgather_global(ctx: Context, inp: Inputs) -> RankStep:
    x_all = ctx.comm.all_gather(inp.x, "fwd")
    y_all = ctx.comm.all_gather(inp.y, "fwd")
    r = loss_step("clip", ctx.impl, ctx.chunk)(Inputs(x_all, y_all, inp.t_prime, inp.bias))
    own = slice(ctx.offset, ctx.offset + ctx.b)
    return RankStep(r.loss, r.dx[own], r.dy[own], r.dt, None, "replicated")
