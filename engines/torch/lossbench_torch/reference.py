"""Float64 ground truth, with the logit gradient G written out (src/losses/reference.ts is the same).
SigLIP: softplus(−z·l) with ±1 labels, G = −z·σ(−z·l)/N. CLIP: the mean of the two cross-entropies in a
form float64 resolves on the hard case (t = 100 on correlated pairs, where the loss is ~1e-26 and
lse − l_ii, or P_ii − 1, would round to exactly 0): each row's term is softplus(lse_{j≠i} l_ij − l_ii)
through log1p, the positive's gradient −Σ_{j≠i} P_ij, dt' sums P_ij·(l_ij − l_ii) off the diagonal.
Each result carries per output the magnitude of the terms it sums (the floor of compare.py).
tests/test_reference.py checks both losses against 50-digit arithmetic."""
from __future__ import annotations

from typing import Tuple

import torch
import torch.nn.functional as F

from .inputs import Inputs
from .losses.types import StepResult


def _softmax_rows(l: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Per row of l: P (row softmax, its diagonal zeroed), the off-diagonal mass Σ_{j≠i} P_ij, the row term
    softplus(lse_{j≠i} l_ij − l_ii), and Σ_{j≠i} P_ij·(l_ij − l_ii)."""
    n = l.shape[0]
    eye = torch.eye(n, dtype=torch.bool)
    diag = l.diagonal()
    m = l.max(1).values
    e = torch.exp(l - m[:, None])
    s = e.sum(1)
    e_off = e.masked_fill(eye, 0.0)
    P_off = e_off / s[:, None]
    lse_off = m + torch.log(e_off.sum(1))  # −inf when nothing is off the diagonal (N = 1): term 0
    term = F.softplus(lse_off - diag, threshold=1000.0)  # log1p(exp(·)) throughout
    dt = (P_off * (l - diag[:, None]).masked_fill(eye, 0.0)).sum(1)
    return P_off, P_off.sum(1), term, dt


def _features(G: torch.Tensor, t: torch.Tensor, x: torch.Tensor, y: torch.Tensor) -> Tuple[torch.Tensor, ...]:
    """dx = t·G·y, dy = t·Gᵀ·x and the norms of t·|G|·|y|, t·|G|ᵀ·|x|."""
    a = G.abs()
    return t * G @ y, t * G.T @ x, float((t * a @ y.abs()).norm()), float((t * a.T @ x.abs()).norm())


def clip_reference(x: torch.Tensor, y: torch.Tensor, tp: torch.Tensor) -> StepResult:
    n = x.shape[0]
    t = tp.exp()
    l = t * x @ y.T
    P, off_r, term_r, dt_r = _softmax_rows(l)
    Qt, off_c, term_c, dt_c = _softmax_rows(l.T.contiguous())
    G = (P + Qt.T) / (2 * n)
    G.diagonal().copy_(-(off_r + off_c) / (2 * n))
    loss = (term_r.sum() + term_c.sum()) / (2 * n)
    dx, dy, sx, sy = _features(G, t, x, y)
    scales = {"loss": float(loss), "dx": sx, "dy": sy, "dt'": float((G * l).abs().sum())}
    return StepResult(loss, dx, dy, (dt_r.sum() + dt_c.sum()) / (2 * n), None, scales)


def siglip_reference(x: torch.Tensor, y: torch.Tensor, tp: torch.Tensor, bias: torch.Tensor) -> StepResult:
    n = x.shape[0]
    t = tp.exp()
    scaled = t * x @ y.T  # logits − β
    z = 2 * torch.eye(n, dtype=torch.float64) - 1
    u = -z * (scaled + bias)
    loss = F.softplus(u, threshold=1000.0).sum() / n  # log1p(exp(·)) throughout
    G = -z * torch.sigmoid(u) / n
    dx, dy, sx, sy = _features(G, t, x, y)
    scales = {"loss": float(loss), "dx": sx, "dy": sy, "dt'": float((G * scaled).abs().sum()),
              "dβ": float(G.abs().sum())}
    return StepResult(loss, dx, dy, (G * scaled).sum(), G.sum(), scales)


def reference_step(loss: str, inp: Inputs) -> StepResult:
    x, y, tp, bias = (v.detach().double().cpu() for v in (inp.x, inp.y, inp.t_prime, inp.bias))
    return clip_reference(x, y, tp) if loss == "clip" else siglip_reference(x, y, tp, bias)
