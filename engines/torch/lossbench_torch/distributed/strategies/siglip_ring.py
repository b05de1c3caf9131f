"""siglip/ring (SigLIP paper §3.3, "shift"): x stays, y_j visits every rank; block (k, j) is computed
on rank k when y_j is there, forward and backward in one pass (no normaliser). The partial d y_j
rides the ring with y_j in an accumulator and hops home at the end, so no rank holds more than one
foreign block and one accumulator.
Traffic: its formulas in contract/strategies.json (read by contract.py; the tests count it)."""
from __future__ import annotations

from typing import Optional

import torch

from ...inputs import Inputs
from ...losses.blocks import SigmoidOut
from .types import Context, RankStep


class Accumulator:
    """A rank's running loss share, dx_k, dt', dβ over the blocks it computes."""

    def __init__(self, own: SigmoidOut) -> None:
        self.loss, self.dx, self.dt, self.db = own.loss, own.dA, own.dt, own.db
        self.dy: torch.Tensor = own.dB  # type: ignore[assignment]

    def add(self, o: SigmoidOut) -> torch.Tensor:
        """Adds a foreign block's shares; returns its partial d y_j."""
        self.loss = self.loss + o.loss
        self.dx = self.dx + o.dA  # type: ignore[operator]
        self.dt = self.dt + o.dt  # type: ignore[operator]
        self.db = self.db + o.db  # type: ignore[operator]
        return o.dB  # type: ignore[return-value]

    def result(self) -> RankStep:
        return RankStep(self.loss, self.dx, self.dy, self.dt, self.db, "sum")  # type: ignore[arg-type]


def block(ctx: Context, inp: Inputs, yj: torch.Tensor, offset: Optional[int]) -> SigmoidOut:
    return ctx.sigmoid_block(inp, yj, offset)


def siglip_ring(ctx: Context, inp: Inputs) -> RankStep:
    comm, W = ctx.comm, ctx.comm.world
    res = Accumulator(block(ctx, inp, inp.y, 0))  # own block, positives included
    cur = inp.y
    acc: Optional[torch.Tensor] = None
    for r in range(1, W):
        (cur,) = comm.ring_shift([cur], "fwd")  # y_{k−r}
        carried = comm.ring_shift([acc], "bwd")[0] if r > 1 else None  # its accumulator, from k−1
        d = res.add(block(ctx, inp, cur, None))
        acc = d if carried is None else carried + d
    if W > 1:
        (home,) = comm.ring_shift([acc], "bwd")  # the accumulator on k holds d y_{k+1}
        res.dy = res.dy + home
    return res.result()
