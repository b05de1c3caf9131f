"""Tile library shared by the single-device chunked losses and the distributed strategies.

A block is rows A (r×D) against columns B (m×D); logits = (t·A)·Bᵀ (+β for SigLIP). A block may hold
positives: row i's positive is column i + offset of B (offset None: no positives in this block). Tiles
of B's columns are processed one at a time; each finds its positives as a diagonal of the tile
(torch.diagonal with the tile's offset), so no label matrix is ever built.

Numerics (as src/losses/blocks.ts, the chunked paths and every strategy's tiles): CLIP keeps, per row,
the softmax as (max m, sum s) and the mass off the positive s_off, so the positive's gradient
−(1 − P_ii) = −s_off/s and the loss softplus(m + log s_off − l_ii) never form P_ii − 1 (catastrophic
cancellation in float32 when the positive dominates, t = 100), and P_ij = exp(l_ij − m)/s never goes
through lse = m + log s, whose rounding at t = 100 (~8e-6) exp(l − lse) would turn into a relative error of
every P. SigLIP negates the positives' logits before softplus/sigmoid instead of correcting σ(l) − 1.
The naive forms (textbook, as open_clip writes them) are at the end.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Tuple, Union

import torch
import torch.nn.functional as F

from ..precision import mm

Span = Optional[Tuple[int, slice]]  # (diagonal index within the tile, rows holding a positive)
Coef = Union[float, torch.Tensor]


def tiles(width: int, c: int) -> List[Tuple[int, int]]:
    """Column tiles (start, size) of width c covering 0..width; the last one may be narrower."""
    if c < 1:
        raise ValueError(f"chunk size must be a positive integer, got {c}")
    return [(s, min(c, width - s)) for s in range(0, width, c)]


def diag_span(rows: int, start: int, size: int, offset: Optional[int]) -> Span:
    """Where the positives (i, i + offset) fall in the tile of columns [start, start+size)."""
    if offset is None:
        return None
    k = offset - start
    r0, r1 = max(0, -k), min(rows, size - k)
    return (k, slice(r0, r1)) if r0 < r1 else None


# ---------- CLIP: row softmax with an online log-sum-exp (FlashAttention-style) ----------


@dataclass
class RowState:
    """Running max m, Σexp(l − m) with and without the positive, and each row's positive logit."""

    m: torch.Tensor
    s: torch.Tensor
    s_off: torch.Tensor
    pos: torch.Tensor


def row_state(rows: int, device: torch.device) -> RowState:
    z = torch.zeros(rows, device=device)
    return RowState(torch.full((rows,), float("-inf"), device=device), z, z.clone(), z.clone())


def fold_rows(st: RowState, logits: torch.Tensor, span: Span) -> None:
    """Folds one tile of logits (r×w, float32) into the running state of its rows."""
    m = torch.maximum(st.m, logits.amax(1))
    scale = torch.exp(st.m - m)  # exp(−inf) = 0 on the first tile
    e = torch.exp(logits - m[:, None])
    if span is None:
        s_tile = e.sum(1)
        s_off = s_tile
    else:
        k, rs = span
        d = e.diagonal(k).clone()
        e.diagonal(k).zero_()  # the off-positive mass is summed without the positive, not by subtraction
        s_off = e.sum(1)
        s_tile = s_off.clone()
        s_tile[rs] += d
        st.pos[rs] = logits.diagonal(k)  # each row's positive appears in exactly one tile
    st.s = st.s * scale + s_tile
    st.s_off = st.s_off * scale + s_off
    st.m = m


def finish_rows(st: RowState) -> torch.Tensor:
    """Per-row loss softplus(lse_{j≠i} − l_ii) = softplus(m + log s_off − l_ii) of finished rows. log 0 = −inf
    gives loss 0 for a row with nothing off its positive (N = 1)."""
    return F.softplus(st.m + torch.log(st.s_off) - st.pos)


def lse_rows(A: torch.Tensor, B: torch.Tensor, t: torch.Tensor, offset: Optional[int], tile: int,
             st: Optional[RowState] = None) -> RowState:
    """Folds every tile of block B into the row state of A (a fresh one unless st is given)."""
    st = st if st is not None else row_state(A.shape[0], A.device)
    As = A * t
    for start, size in tiles(B.shape[0], tile):
        fold_rows(st, mm(As, B[start : start + size].T), diag_span(A.shape[0], start, size, offset))
    return st


def softmax_rows_grads(A: torch.Tensor, B: torch.Tensor, t: torch.Tensor, st: RowState,
                       offset: Optional[int], coef: Coef, tile: int) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Gradient of coef·Σ_i loss_i over block B, recomputing each tile: G = coef·exp(l − m)/s off the
    positives, −coef·s_off/s on them. Returns dA (r×D), dB (m×D), dt' — t's factor included."""
    As = A * t
    k_row = (coef / st.s)[:, None]
    dA = torch.zeros_like(A)
    dB: List[torch.Tensor] = []
    dt = torch.zeros((), device=A.device)
    for start, size in tiles(B.shape[0], tile):
        Bj = B[start : start + size]
        logits = mm(As, Bj.T)
        G = (logits - st.m[:, None]).exp_()  # in place: logits and G are the tile's only r×w tensors
        G *= k_row
        span = diag_span(A.shape[0], start, size, offset)
        if span is not None:
            G.diagonal(span[0]).copy_(-(coef * st.s_off[span[1]] / st.s[span[1]]))
        dA += mm(G, Bj)
        dB.append(mm(G.T, A))
        dt += torch.dot(G.flatten(), logits.flatten())  # ΣG∘l without an r×w product
        del logits, G  # before the next tile's
    return dA * t, torch.cat(dB) * t, dt


# ---------- SigLIP: no normaliser, so a tile's loss and gradient need one pass ----------


@dataclass
class SigmoidOut:
    loss: torch.Tensor
    dA: Optional[torch.Tensor]
    dB: Optional[torch.Tensor]
    dt: Optional[torch.Tensor]
    db: Optional[torch.Tensor]


def sigmoid_block(A: torch.Tensor, B: torch.Tensor, t: torch.Tensor, bias: torch.Tensor, offset: Optional[int],
                  tile: int, loss_coef: Coef, grad_coef: Optional[Coef]) -> SigmoidOut:
    """loss_coef·Σ softplus(−z·l) over block B and, unless grad_coef is None, the gradient of
    grad_coef·Σ softplus(−z·l): G = −z·σ(−z·l)·grad_coef; dA = t·G·B, dB = t·Gᵀ·A, dt' = ΣG∘(l−β), dβ = ΣG."""
    As = A * t
    dev = A.device
    loss = torch.zeros((), device=dev)
    grads = grad_coef is not None
    dA = torch.zeros_like(A) if grads else None
    dB: List[torch.Tensor] = []
    dt = torch.zeros((), device=dev)
    db = torch.zeros((), device=dev)
    for start, size in tiles(B.shape[0], tile):
        Bj = B[start : start + size]
        scaled = mm(As, Bj.T)  # logits − β
        u = scaled + bias  # −z·l: the positives are negated in place below
        span = diag_span(A.shape[0], start, size, offset)
        if span is not None:
            u.diagonal(span[0]).neg_()
        loss += F.softplus(u).sum()
        if grads:
            G = u.sigmoid_()  # in place: scaled and G are the tile's only r×w tensors
            if span is not None:
                G.diagonal(span[0]).neg_()
            G *= grad_coef
            dA += mm(G, Bj)
            dB.append(mm(G.T, A))
            dt += torch.dot(G.flatten(), scaled.flatten())  # ΣG∘(l − β) without an r×w product
            db += G.sum()
            del G
        del scaled, u  # before the next tile's
    if not grads:
        return SigmoidOut(loss * loss_coef, None, None, None, None)
    return SigmoidOut(loss * loss_coef, dA * t, torch.cat(dB) * t, dt, db)


# ---------- naive: the textbook forms (open_clip's), autograd through one whole block ----------


def softmax_rows_naive(A: torch.Tensor, B: torch.Tensor, tp: torch.Tensor, offset: int) -> torch.Tensor:
    """Σ_i cross-entropy of rows A against all columns B with labels offset + i (open_clip's local loss,
    summed): the whole r×m logits, for autograd."""
    logits = mm(A * tp.exp(), B.T)
    labels = torch.arange(offset, offset + A.shape[0], device=A.device)
    return F.cross_entropy(logits, labels, reduction="sum")


def sigmoid_block_naive(A: torch.Tensor, B: torch.Tensor, tp: torch.Tensor, bias: torch.Tensor,
                        offset: Optional[int], coef: float) -> SigmoidOut:
    """coef·Σ −log σ(z·l) of one whole block with ±1 labels (open_clip's _loss; all −1 when the block
    holds no positives) and its gradients by autograd: dA, dB, dt' (w.r.t. t'), dβ."""
    leaves = [v.detach().requires_grad_(True) for v in (A, B, tp, bias)]
    a, b, tpl, bl = leaves
    with torch.enable_grad():
        logits = mm(a * tpl.exp(), b.T) + bl
        z = -torch.ones_like(logits)
        if offset is not None:
            z.diagonal(offset).fill_(1.0)
        value = -F.logsigmoid(z * logits).sum() * coef
        dA, dB, dt, db = torch.autograd.grad(value, leaves)
    return SigmoidOut(value.detach(), dA, dB, dt, db)
