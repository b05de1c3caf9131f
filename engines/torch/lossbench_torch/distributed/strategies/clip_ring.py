"""clip/ring (tiled, Inf-CL style; schedule of src/distributed/strategies/clip-ring.ts). Rank k keeps
x_k, y_k. Its image→text rows need the log-sum-exp over all y, its text→image rows over all x, so
[x_j, y_j] travel the ring together and fold into online log-sum-exps. The softmax needs the final
log-sum-exp before any gradient, so the backward makes a second lap: the blocks travel again, every
tile is recomputed, and the partials d x_j, d y_j ride along with their blocks in accumulators that
start on j+1 and make one last hop home. No rank holds more than one foreign block pair in use.
Overlapped (comm.overlap, the default): the next block pair is posted before the rank computes on the
one it holds (two pairs alive: double-buffered), and each accumulator is posted as soon as its block is
done, travelling beside the next round's blocks (counted in that round); off: one blocking round at a time.
Traffic: its formulas in contract/strategies.json (read by contract.py; the tests count it)."""
from __future__ import annotations

from typing import Optional, Tuple

import torch

from ...inputs import Inputs
from ...losses.blocks import finish_rows, lse_rows, softmax_rows_grads
from .types import Context, RankStep


def clip_ring(ctx: Context, inp: Inputs) -> RankStep:
    comm, W = ctx.comm, ctx.comm.world
    x, y = inp.x, inp.y
    t = inp.t_prime.exp()
    coef = 1 / (2 * ctx.n)
    tile = ctx.tile(ctx.b)

    # ---- forward: online log-sum-exp of x_k's rows over the y blocks and of y_k's rows over the x blocks
    nxt = comm.ring_post([x, y], "fwd") if W > 1 else None  # in flight while the own block is computed
    st_i = lse_rows(x, y, t, 0, tile)  # own block: the positives
    st_t = lse_rows(y, x, t, 0, tile)
    for r in range(1, W):
        cur = nxt.wait()  # type: ignore[union-attr]
        nxt = comm.ring_post(cur, "fwd") if r < W - 1 else None
        lse_rows(x, cur[1], t, None, tile, st_i)
        lse_rows(y, cur[0], t, None, tile, st_t)
        del cur
    loss = coef * (finish_rows(st_i).sum() + finish_rows(st_t).sum())

    def block(xj: torch.Tensor, yj: torch.Tensor, offset: Optional[int]) -> Tuple[torch.Tensor, ...]:
        """Both directions of block (k, j): dx_k, dy_k, d x_j, d y_j and the dt' share."""
        dx_i, dyj_i, dt_i = softmax_rows_grads(x, yj, t, st_i, offset, coef, tile)
        dy_t, dxj_t, dt_t = softmax_rows_grads(y, xj, t, st_t, offset, coef, tile)
        return dx_i, dy_t, dxj_t, dyj_i, dt_i + dt_t

    # ---- backward: recompute every block; own rows accumulate here, foreign ones ride along
    nxt = comm.ring_post([x, y], "bwd") if W > 1 else None
    dx, dy, dxj, dyj, dt = block(x, y, 0)
    dx, dy = dx + dxj, dy + dyj
    acc = None  # the accumulators in flight: d x_j, d y_j of the block this rank computed last
    for r in range(1, W):
        cur = nxt.wait()  # type: ignore[union-attr]
        nxt = comm.ring_post(cur, "bwd") if r < W - 1 else None
        a, b, dxj, dyj, dt_r = block(cur[0], cur[1], None)
        del cur
        dx, dy, dt = dx + a, dy + b, dt + dt_r
        if acc is not None:
            carried = acc.wait()
            dxj, dyj = carried[0] + dxj, carried[1] + dyj
        # beside the next round's blocks (tags apart); the last one is the hop home, a round of its own
        acc = comm.ring_post([dxj, dyj], "bwd", tag=2, rounds=1 if r == W - 1 else 0)
    if acc is not None:
        hx, hy = acc.wait()  # the accumulators of x_k, y_k come home
        dx, dy = dx + hx, dy + hy
    return RankStep(loss, dx, dy, dt, None, "sum")
