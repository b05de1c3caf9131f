"""The contract between lossbench and a loss implementation (docs/implementations.md).

A factory receives a `Request` (loss, strategy, world, rank, process group, dtype, device, sizes) and returns
a step: a function of this rank's inputs (x, y: its b×D rows; t', β: 0-dim) that runs one forward and
backward and returns a `Result` — the loss and the gradients as the implementation hands them to a training
loop, with the `Convention` that says how they relate to the global loss over all N pairs. A factory that
cannot serve the request (a strategy it lacks, no CUDA, a missing package) raises `Unsupported(reason)`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Optional

import torch

# How this rank's loss (and its dt', dβ) relate to the global value:
#   sum        — the ranks' values add up to it (lossbench's shares)
#   mean       — their mean is it (each rank's loss is a mean over its own rows)
#   replicated — every rank holds it
#   ddp        — every rank holds W × it (the gradient of a rank-mean loss, all-reduced)
SCALAR_CONVENTIONS = ("sum", "mean", "replicated", "ddp")
# How this rank's dx, dy rows relate to dL/dx_k of the global loss:
#   exact — they are it;  ddp — W × it (DDP's gradient average divides the W back)
ROW_CONVENTIONS = ("exact", "ddp")


@dataclass(frozen=True)
class Convention:
    loss: str = "replicated"
    rows: str = "exact"
    scalar_grads: str = "replicated"

    def __post_init__(self) -> None:
        for v in (self.loss, self.scalar_grads):
            if v not in SCALAR_CONVENTIONS:
                raise ValueError(f"convention: {v!r} is not one of {', '.join(SCALAR_CONVENTIONS)}")
        if self.rows not in ROW_CONVENTIONS:
            raise ValueError(f"convention: rows {self.rows!r} is not one of {', '.join(ROW_CONVENTIONS)}")


class Unsupported(Exception):
    """The implementation cannot run this request here; the message is the reason the row shows."""


@dataclass(frozen=True)
class Request:
    loss: str  # 'clip' | 'siglip'
    strategy: str  # 'single' or a distributed strategy name (docs/implementations.md, the mapping)
    world: int  # W ranks
    rank: int
    group: Any  # the torch.distributed process group of the W ranks (None: the default group, or W = 1)
    dtype: str  # 'fp32' | 'tf32' | 'bf16'
    device: torch.device
    n: int  # global batch N = W·b
    local_batch: int  # b
    dim: int  # D
    chunk: Optional[int]  # lossbench's tile width c (None for naive; implementations with their own tiling ignore it)
    comm: Any = None  # lossbench's counted collectives (distributed/comm.py), for implementations that want them


@dataclass
class Result:
    loss: torch.Tensor  # 0-dim
    dx: torch.Tensor  # this rank's b rows
    dy: torch.Tensor
    dt: Optional[torch.Tensor]  # d/dt' (0-dim); None where the implementation has no learnable temperature
    db: Optional[torch.Tensor]  # d/dβ (SigLIP); None for CLIP
    convention: Convention


Step = Callable[[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor], Result]
Factory = Callable[[Request], Step]


def autograd_result(loss: torch.Tensor, x: torch.Tensor, y: torch.Tensor, tp: torch.Tensor,
                    bias: Optional[torch.Tensor], convention: Convention) -> Result:
    """The Result of a loss built by autograd from the leaves x, y, t' (and β)."""
    leaves = [x, y, tp] + ([bias] if bias is not None else [])
    grads = torch.autograd.grad(loss, leaves)
    return Result(loss.detach(), grads[0], grads[1], grads[2], grads[3] if bias is not None else None, convention)


def leaves(*ts: torch.Tensor) -> list:
    return [t.detach().requires_grad_(True) for t in ts]
