"""Distance of a step's outputs from the float64 reference (the check behind verify and the tests)."""
from __future__ import annotations

import math
from typing import Dict, Optional

import torch

from .contract import contract
from .losses.types import StepResult

TOLERANCE: Dict[str, float] = dict(contract()["tolerance"])  # per dtype, src/losses/accuracy.ts


# The floors of src/losses/accuracy.ts (ERROR_FLOOR, SCALE_FLOOR). A truth below 1e-30 is compared
# absolutely (float32's intermediates underflow below ~1e-38 and a step multiplies them by t·N); float32
# rounds each term an output sums by 2⁻²⁴ of it, so at the tolerance 1e-4 an output smaller than ~6e-4 of
# its terms' magnitude (an exact cancellation) is compared absolutely against that. Any other truth is
# compared relatively, so that zeros never pass for a truth float32 can resolve.
FLOOR = 1e-30
SCALE_FLOOR = 2.0 ** -24 / 1e-4


def relative_error(a: Optional[torch.Tensor], ref: torch.Tensor, scale: float = 0.0) -> float:
    """‖a − ref‖ / max(‖ref‖, SCALE_FLOOR·scale, FLOOR), scale the magnitude of the terms behind ref.
    NaN, Inf, a missing or misshapen output never pass."""
    if a is None or a.numel() != ref.numel():
        return math.inf
    a64 = a.detach().double().cpu().reshape(-1)
    if not bool(torch.isfinite(a64).all()):
        return math.inf
    r = ref.detach().double().cpu().reshape(-1)
    return float((a64 - r).norm()) / max(float(r.norm()), SCALE_FLOOR * scale, FLOOR)


def step_errors(r: StepResult, ref: StepResult) -> Dict[str, float]:
    scales = ref.scales or {}
    return {name: relative_error(got, want, scales.get(name, 0.0))
            for (name, want), (_, got) in zip(ref.named(), _padded(r, ref).named())}


def _padded(r: StepResult, ref: StepResult) -> StepResult:
    """r with a dβ slot wherever ref has one (a missing dβ then fails as NaN)."""
    return r if ref.db is None or r.db is not None else StepResult(r.loss, r.dx, r.dy, r.dt, torch.tensor(math.nan))


def passes(errors: Dict[str, float], tol: float) -> bool:
    return all(e <= tol for e in errors.values())  # inf (NaN) fails


# The implementations whose CLIP is that textbook cross-entropy: lossbench's naive, torch.utils.checkpoint's
# loop over it, and open_clip's ClipLoss (the same F.cross_entropy over whole logit blocks).
TEXTBOOK_CLIP = ("naive", "checkpoint", "openclip")


def textbook_inexact(loss: str, impl: str, strategy: str, kind: str) -> bool:
    """naive CLIP is the textbook form (open_clip's cross-entropy over whole logit blocks; clip/ring's naive
    is one careful tile per block): where the diagonal dominates (correlated pairs) float32 rounds its
    lse − l_ii and P_ii − 1 to 0, so its error there is a finding, shown beside chunked's, not a failure
    (src/losses/accuracy.ts, textbookInexact)."""
    return loss == "clip" and impl in TEXTBOOK_CLIP and strategy != "ring" and kind == "correlated"

