"""All-gather with gradient (open_clip's gather_with_grad): the backward reduce-scatters the gradient
of the gathered rows back to their owners, through the counted collectives."""
from __future__ import annotations

from typing import Any, Optional, Tuple

import torch

from .comm import Comm


class GatherWithGrad(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, t: torch.Tensor, comm: Comm) -> torch.Tensor:  # type: ignore[override]
        ctx.comm = comm
        return comm.all_gather(t, "fwd")

    @staticmethod
    def backward(ctx: Any, g: torch.Tensor) -> Tuple[Optional[torch.Tensor], None]:  # type: ignore[override]
        return ctx.comm.reduce_scatter(g.contiguous(), "bwd"), None


def gather_with_grad(t: torch.Tensor, comm: Comm) -> torch.Tensor:
    return t if comm.world == 1 else GatherWithGrad.apply(t, comm)
