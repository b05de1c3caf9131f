"""CLIP's softmax loss, both directions:
    l_ij = t·x_i·y_j,  L = (1/2N)·Σ_i [softplus(lse_{j≠i} l_ij − l_ii) + softplus(lse_{j≠i} l_ji − l_ii)]
which equals the textbook mean of the row and column cross-entropies (lse_j l_ij − l_ii). naive is that
textbook form (open_clip's); chunked is written so that the positive's gradient comes out as −(1 − P_ii)
rather than P_ii − 1 (see blocks.py)."""
from __future__ import annotations

from typing import Any, Optional, Tuple

import torch
import torch.nn.functional as F

from ..inputs import Inputs
from ..precision import mm
from .blocks import (RowState, diag_span, finish_rows, fold_rows, lse_rows, row_state, softmax_rows_grads,
                     softmax_rows_naive, tiles)
from .types import StepFn, StepResult, autograd_step

def clip_naive_loss(x: torch.Tensor, y: torch.Tensor, tp: torch.Tensor, _bias: Any = None) -> torch.Tensor:
    """The textbook loss as open_clip's ClipLoss writes it: logits = (t·x)·yᵀ, the mean of the two
    cross-entropies. In float32 its P_ii − 1 cancels when the diagonal dominates (t = 100); chunked's
    careful forms resolve that."""
    logits = mm(x * tp.exp(), y.T)
    labels = torch.arange(x.shape[0], device=x.device)
    return (F.cross_entropy(logits, labels) + F.cross_entropy(logits.T, labels)) / 2


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
            cols.append((cst.m, cst.s, cst.s_off, finish_rows(cst)))
            del logits  # before the next tile's: one N×c strip alive at a time
        m_c, s_c, off_c, loss_c = (torch.cat(v) for v in zip(*cols))
        ctx.c = c
        ctx.save_for_backward(x, y, tp, rows.m, rows.s, rows.s_off, m_c, s_c, off_c)
        return (finish_rows(rows).sum() + loss_c.sum()) / (2 * n)

    @staticmethod
    def backward(ctx: Any, g: torch.Tensor) -> Tuple[Optional[torch.Tensor], ...]:  # type: ignore[override]
        x, y, tp, m_r, s_r, off_r, m_c, s_c, off_c = ctx.saved_tensors
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
            # G = (P + Q)/2N off the diagonal, −[(1 − P_ii) + (1 − Q_ii)]/2N on it; P = exp(l − m)/s.
            # In place where autograd need not keep anything: logits and G are the only N×c tensors
            # alive at once, besides one transient (the second exponential) before it is added in.
            cols = slice(start, start + size)
            G = (logits - m_r[:, None]).exp_()
            G /= s_r[:, None]
            Q = (logits - m_c[None, cols]).exp_()
            Q /= s_c[None, cols]
            G += Q
            del Q
            k, rs = diag_span(n, start, size, 0)  # type: ignore[misc]
            G.diagonal(k).copy_(-(off_r[rs] / s_r[rs] + off_c[cols] / s_c[cols]))
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
        st = lse_rows(A, B, tp.exp(), offset, c)
        ctx.offset, ctx.c = offset, c
        ctx.save_for_backward(A, B, tp, st.m, st.s, st.s_off)
        return finish_rows(st).sum()

    @staticmethod
    def backward(ctx: Any, g: torch.Tensor) -> Tuple[Optional[torch.Tensor], ...]:  # type: ignore[override]
        A, B, tp, m, s, s_off = ctx.saved_tensors
        st = RowState(m, s, s_off, torch.empty(0))
        dA, dB, dt = softmax_rows_grads(A, B, tp.exp(), st, ctx.offset, g, ctx.c)
        return dA, dB, dt, None, None


def softmax_rows_loss(A: torch.Tensor, B: torch.Tensor, tp: torch.Tensor, offset: int, impl: str, c: int) -> torch.Tensor:
    """One direction's summed row losses, naive (textbook cross-entropy over the whole r×m logits,
    autograd) or chunked (tiles of c)."""
    if impl == "naive":
        return softmax_rows_naive(A, B, tp, offset)
    return SoftmaxRows.apply(A, B, tp, offset, c)


def clip_naive() -> StepFn:
    return lambda inp: autograd_step(clip_naive_loss, inp, with_bias=False)


def clip_chunked(c: int) -> StepFn:
    def step(inp: Inputs) -> StepResult:
        return autograd_step(lambda x, y, tp, _b: ClipChunked.apply(x, y, tp, c), inp, with_bias=False)

    return step
