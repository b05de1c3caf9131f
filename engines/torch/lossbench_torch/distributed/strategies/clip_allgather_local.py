"""clip/allgather-local (open_clip local_loss=True, gather_with_grad=True): all-gather x and y with
autograd; rank k computes its b rows against all N both ways — image→text x_k·y_allᵀ and text→image
y_k·x_allᵀ (its columns of the global logits) — so the shares sum to the single-device loss. The
backward of each gather reduce-scatters d x_all, d y_all to their owners.
Traffic: its formulas in contract/strategies.json (read by contract.py; the tests count it)."""
from __future__ import annotations

import torch

from ...inputs import Inputs
from ...losses.clip import softmax_rows_loss
from ..gather import gather_with_grad
from .types import Context, RankStep


def clip_allgather_local(ctx: Context, inp: Inputs) -> RankStep:
    x, y, tp = (v.detach().requires_grad_(True) for v in (inp.x, inp.y, inp.t_prime))
    with torch.enable_grad():
        x_all = gather_with_grad(x, ctx.comm)
        y_all = gather_with_grad(y, ctx.comm)
        rows = softmax_rows_loss(x, y_all, tp, ctx.offset, ctx.impl, ctx.chunk)  # image→text
        cols = softmax_rows_loss(y, x_all, tp, ctx.offset, ctx.impl, ctx.chunk)  # text→image
        loss = (rows + cols) / (2 * ctx.n)
        # Same graph on every rank, so autograd runs the two reduce-scatters in the same order everywhere.
        dx, dy, dt = torch.autograd.grad(loss, (x, y, tp))
    return RankStep(loss.detach(), dx, dy, dt, None, "sum")
