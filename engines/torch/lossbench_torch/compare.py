"""Distance of a step's outputs from the float64 reference (the check behind verify and the tests)."""
from __future__ import annotations

import math
from typing import Dict, Optional

import torch

from .contract import contract
from .losses.types import StepResult

TOLERANCE: Dict[str, float] = dict(contract()["tolerance"])  # per dtype, src/losses/accuracy.ts


def relative_error(a: Optional[torch.Tensor], ref: torch.Tensor) -> float:
    """‖a − ref‖ / max(‖ref‖, floor): floor 1 for scalars, 1e-2 for matrices, so values whose exact
    value is zero or tiny compare absolutely. NaN, Inf, a missing or misshapen output never pass."""
    if a is None or a.numel() != ref.numel():
        return math.inf
    a64 = a.detach().double().cpu().reshape(-1)
    if not bool(torch.isfinite(a64).all()):
        return math.inf
    r = ref.detach().double().cpu().reshape(-1)
    floor = 1.0 if r.numel() == 1 else 1e-2
    return float((a64 - r).norm()) / max(float(r.norm()), floor)


def step_errors(r: StepResult, ref: StepResult) -> Dict[str, float]:
    out = {"loss": relative_error(r.loss, ref.loss), "dx": relative_error(r.dx, ref.dx),
           "dy": relative_error(r.dy, ref.dy), "dt'": relative_error(r.dt, ref.dt)}
    if ref.db is not None:
        out["dβ"] = relative_error(r.db, ref.db)
    return out


def passes(errors: Dict[str, float], tol: float) -> bool:
    return all(e <= tol for e in errors.values())  # inf (NaN) fails
