"""siglip/ring (SigLIP paper §3.3, "shift"): x stays, y_j visits every rank; block (k, j) is computed
on rank k when y_j is there, forward and backward in one pass (no normaliser). The partial d y_j
rides the ring with y_j in an accumulator and hops home at the end, so no rank holds more than one
foreign block and one accumulator in use. Overlapped (comm.overlap, the default): the next y block is
posted before the rank computes on the one it holds (double-buffered), and each accumulator as soon as
its block is done; off: one blocking round at a time.
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
    nxt = comm.ring_post([inp.y], "fwd") if W > 1 else None  # in flight while the own block is computed
    res = Accumulator(block(ctx, inp, inp.y, 0))  # own block, positives included
    acc = None  # the accumulator in flight
    for r in range(1, W):
        (cur,) = nxt.wait()  # type: ignore[union-attr]  # y_{k−r}
        nxt = comm.ring_post([cur], "fwd") if r < W - 1 else None
        d = res.add(block(ctx, inp, cur, None))
        del cur
        if acc is not None:
            d = acc.wait()[0] + d  # its accumulator, from k−1
        acc = comm.ring_post([d], "bwd", tag=1)  # the last one: home (the accumulator on k holds d y_{k+1})
    if acc is not None:
        res.dy = res.dy + acc.wait()[0]
    return res.result()
