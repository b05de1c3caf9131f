"""<loss>/single: one rank holds all N pairs and runs the loss's own step (losses/, naive or chunked): no
collective. The W = 1 case of the strategies, as src/distributed/strategies/single.ts has it."""
from __future__ import annotations

from ...inputs import Inputs
from ...losses import loss_step
from .types import Context, RankStep


def single(ctx: Context, inp: Inputs) -> RankStep:
    r = loss_step(ctx.loss, ctx.impl, ctx.chunk)(inp)
    return RankStep(r.loss, r.dx, r.dy, r.dt, r.db, "sum")
