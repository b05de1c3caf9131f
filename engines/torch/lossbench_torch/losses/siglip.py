"""SigLIP's sigmoid loss: l_ij = t·x_i·y_j + β, z_ij = +1 on the diagonal, −1 off it,
L = (1/N)·Σ_ij softplus(−z_ij·l_ij). Gradient w.r.t. the logits: −z·σ(−z·l)/N."""
from __future__ import annotations

from typing import Any, Optional, Tuple

import torch
import torch.nn.functional as F

from ..inputs import Inputs
from ..precision import mm
from .blocks import sigmoid_block
from .types import StepFn, StepResult, autograd_step


def siglip_naive_loss(x: torch.Tensor, y: torch.Tensor, tp: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    """big_vision's form: −log σ(z·l) with ±1 labels. Multiplying by −1 is exact, so the positives are
    negated before the sigmoid and autograd's σ(−z·l) never goes through σ(l) − 1."""
    n = x.shape[0]
    logits = mm(x * tp.exp(), y.T) + bias
    z = 2 * torch.eye(n, device=x.device) - 1
    return -F.logsigmoid(z * logits).sum() / n


class SiglipChunked(torch.autograd.Function):
    """Forward keeps a running softplus sum over column strips; backward recomputes each strip."""

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, y: torch.Tensor, tp: torch.Tensor, bias: torch.Tensor, c: int) -> torch.Tensor:  # type: ignore[override]
        ctx.c = c
        ctx.save_for_backward(x, y, tp, bias)
        return sigmoid_block(x, y, tp.exp(), bias, 0, c, 1 / x.shape[0], None).loss

    @staticmethod
    def backward(ctx: Any, g: torch.Tensor) -> Tuple[Optional[torch.Tensor], ...]:  # type: ignore[override]
        x, y, tp, bias = ctx.saved_tensors
        r = sigmoid_block(x, y, tp.exp(), bias, 0, ctx.c, 0.0, g / x.shape[0])
        return r.dA, r.dB, r.dt, r.db, None


def siglip_naive() -> StepFn:
    return lambda inp: autograd_step(siglip_naive_loss, inp, with_bias=True)


def siglip_chunked(c: int) -> StepFn:
    def step(inp: Inputs) -> StepResult:
        return autograd_step(lambda x, y, tp, b: SiglipChunked.apply(x, y, tp, b, c), inp, with_bias=True)

    return step
