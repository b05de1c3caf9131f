"""clip/ring (tiled, Inf-CL style; schedule of src/distributed/strategies/clip-ring.ts). Rank k keeps
x_k, y_k. Its image→text rows need the log-sum-exp over all y, its text→image rows over all x, so
[x_j, y_j] travel the ring together and fold into online log-sum-exps. The softmax needs the final
log-sum-exp before any gradient, so the backward makes a second lap: the blocks travel again, every
tile is recomputed, and the partials d x_j, d y_j ride along with their blocks in accumulators that
start on j+1 and make one last hop home. No rank holds more than one foreign block pair.
Traffic: its formulas in contract/strategies.json (read by contract.py; the tests count it)."""
from __future__ import annotations

from typing import List, Optional, Tuple

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
    st_i = lse_rows(x, y, t, 0, tile)  # own block: the positives
    st_t = lse_rows(y, x, t, 0, tile)
    cur: List[torch.Tensor] = [x, y]
    for _ in range(1, W):
        cur = comm.ring_shift(cur, "fwd")
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
    dx, dy, dxj, dyj, dt = block(x, y, 0)
    dx, dy = dx + dxj, dy + dyj
    cur = [x, y]
    acc: List[torch.Tensor] = []
    for r in range(1, W):
        arrived = comm.ring_shift(cur + acc, "bwd")
        cur, carried = arrived[:2], arrived[2:]
        a, b, dxj, dyj, dt_r = block(cur[0], cur[1], None)
        dx, dy, dt = dx + a, dy + b, dt + dt_r
        acc = [carried[0] + dxj, carried[1] + dyj] if r > 1 else [dxj, dyj]
    if W > 1:
        hx, hy = comm.ring_shift(acc, "bwd")  # the accumulators of x_k, y_k come home
        dx, dy = dx + hx, dy + hy
    return RankStep(loss, dx, dy, dt, None, "sum")
