"""CLIP's softmax loss, both directions:
    l_ij = t·x_i·y_j,  L = (1/2N)·Σ_i [softplus(lse_{j≠i} l_ij − l_ii) + softplus(lse_{j≠i} l_ji − l_ii)]
which equals the textbook mean of the row and column cross-entropies (lse_j l_ij − l_ii), written so that
the positive's gradient comes out as −(1 − P_ii) rather than P_ii − 1 (see blocks.py)."""
from __future__ import annotations

from typing import Any, Optional, Tuple

import torch
import torch.nn.functional as F

from ..inputs import Inputs
from ..precision import mm
from .blocks import diag_span, finish_rows, fold_rows, lse_rows, row_state, softmax_rows_grads, tiles
from .types import StepFn, StepResult, autograd_step

# Finite, not −inf: for N = 1 a row has nothing off its positive and logsumexp over −inf alone would
# give a NaN gradient; exp(−1e30 − lse) is still exactly 0 whenever there is a real entry.
MASKED = -1e30


def masked_rows_loss(logits: torch.Tensor, offset: int) -> torch.Tensor:
    """Σ_i softplus(lse_{j≠i+offset} l_ij − l_{i,i+offset}) of a whole r×m logits block (autograd)."""
    mask = torch.zeros_like(logits, dtype=torch.bool)
    mask.diagonal(offset).fill_(True)
    lse_off = torch.logsumexp(logits.masked_fill(mask, MASKED), dim=1)
    return F.softplus(lse_off - logits.diagonal(offset)).sum()


def clip_naive_loss(x: torch.Tensor, y: torch.Tensor, tp: torch.Tensor, _bias: Any = None) -> torch.Tensor:
    n = x.shape[0]
    logits = mm(x * tp.exp(), y.T)  # (t·x)·yᵀ: the scale meets N×D features, not the N×N logits
    return (masked_rows_loss(logits, 0) + masked_rows_loss(logits.T, 0)) / (2 * n)


class ClipChunked(torch.autograd.Function):
    """Forward over column strips (N×c): row log-sum-exps online, each strip's column log-sum-exps
    complete; saves x, y, t' and O(N) vectors. Backward recomputes each strip."""

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, y: torch.Tensor, tp: torch.Tensor, c: int) -> torch.Tensor:  # type: ignore[override]
        n = x.shape[0]
        xs = x * tp.exp()
        rows = row_state(n, x.device)
        cols = []
        for start, size in tiles(n, c):
            logits = mm(xs, y[start : start + size].T)
            fold_rows(rows, logits, diag_span(n, start, size, 0))
            # The strip's columns see all N rows: complete. Column j's positive is row start + j.
            cst = row_state(size, x.device)
            fold_rows(cst, logits.T, diag_span(size, 0, n, start))
            cols.append(finish_rows(cst))
            del logits  # before the next tile's: one N×c strip alive at a time
        lse_r, off_r, loss_r = finish_rows(rows)
        lse_c, off_c, loss_c = (torch.cat(v) for v in zip(*cols))
        ctx.c = c
        ctx.save_for_backward(x, y, tp, lse_r, off_r, lse_c, off_c)
        return (loss_r.sum() + loss_c.sum()) / (2 * n)

    @staticmethod
    def backward(ctx: Any, g: torch.Tensor) -> Tuple[Optional[torch.Tensor], ...]:  # type: ignore[override]
        x, y, tp, lse_r, off_r, lse_c, off_c = ctx.saved_tensors
        n = x.shape[0]
        t = tp.exp()
        xs = x * t
        coef = g / (2 * n)
        dx = torch.zeros_like(x)
        dy = []
        dt = torch.zeros((), device=x.device)
        for start, size in tiles(n, ctx.c):
            yj = y[start : start + size]
            logits = mm(xs, yj.T)
            # G = (P + Q)/2N off the diagonal, −[(1 − P_ii) + (1 − Q_ii)]/2N on it
            # In place where autograd need not keep anything: logits and G are the only N×c tensors
            # alive at once, besides one transient (the second exponential) before it is added in.
            G = (logits - lse_r[:, None]).exp_()
            G += (logits - lse_c[None, start : start + size]).exp_()
            k, rs = diag_span(n, start, size, 0)  # type: ignore[misc]
            G.diagonal(k).copy_(-(off_r[rs] + off_c[start : start + size]))
            G *= coef
            dx += mm(G, yj)
            dy.append(mm(G.T, x))
            dt += torch.dot(G.flatten(), logits.flatten())  # ΣG∘l without an N×c product
            del logits, G  # before the next tile's
        return dx * t, torch.cat(dy) * t, dt, None


class SoftmaxRows(torch.autograd.Function):
    """Σ_i softplus(lse_{j≠i+offset} l_ij − l_{i,i+offset}) of rows A against all columns B, tiled:
    one CLIP direction of one device (clip/allgather-local). Saves A, B, t' and O(r) vectors."""

    @staticmethod
    def forward(ctx: Any, A: torch.Tensor, B: torch.Tensor, tp: torch.Tensor, offset: int, c: int) -> torch.Tensor:  # type: ignore[override]
        lse, off, loss = finish_rows(lse_rows(A, B, tp.exp(), offset, c))
        ctx.offset, ctx.c = offset, c
        ctx.save_for_backward(A, B, tp, lse, off)
        return loss.sum()

    @staticmethod
    def backward(ctx: Any, g: torch.Tensor) -> Tuple[Optional[torch.Tensor], ...]:  # type: ignore[override]
        A, B, tp, lse, off = ctx.saved_tensors
        dA, dB, dt = softmax_rows_grads(A, B, tp.exp(), lse, off, ctx.offset, g, ctx.c)
        return dA, dB, dt, None, None


def softmax_rows_loss(A: torch.Tensor, B: torch.Tensor, tp: torch.Tensor, offset: int, impl: str, c: int) -> torch.Tensor:
    """One direction's summed row losses, naive (whole r×m logits, autograd) or chunked (tiles of c)."""
    if impl == "naive":
        return masked_rows_loss(mm(A * tp.exp(), B.T), offset)
    return SoftmaxRows.apply(A, B, tp, offset, c)


def clip_naive() -> StepFn:
    return lambda inp: autograd_step(clip_naive_loss, inp, with_bias=False)


def clip_chunked(c: int) -> StepFn:
    def step(inp: Inputs) -> StepResult:
        return autograd_step(lambda x, y, tp, _b: ClipChunked.apply(x, y, tp, c), inp, with_bias=False)

    return step
