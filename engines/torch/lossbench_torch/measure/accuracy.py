"""Every measured row's accuracy: the relative errors of its loss, dx, dy, dt', dβ (normalised to lossbench's
convention and assembled over the ranks) against a float64 reference on the same inputs, and a verdict.

The reference is the textbook step in float64, computed in blocks of rows so that it also reaches the N
of a GPU sweep: row and column log-sum-exps (CLIP) or softplus (SigLIP) over each block of logits, then
the gradient of each block from its softmax or sigmoid — the formulas of docs/design.md, independent of the
float32 implementations' masked forms. Errors as compare.py: ‖g − ref‖ / max(‖ref‖, floor)."""
from __future__ import annotations

import math
from typing import Any, Dict, List, Optional

import torch

from ..compare import TOLERANCE, relative_error
from ..inputs import Inputs
from ..losses.types import StepResult

OUTPUT_KEYS = ("loss", "dx", "dy", "dt'", "dβ")
ROW_BLOCK_ELEMENTS = 1 << 24  # float64 elements of one block of logits (128 MiB)


def reference_blocks(loss: str, inp: Inputs, device: torch.device) -> StepResult:
    """The float64 loss and gradients, blockwise (O(block·N) memory)."""
    x, y = inp.x.to(device, torch.float64), inp.y.to(device, torch.float64)
    tp, beta = float(inp.t_prime), float(inp.bias)
    t = math.exp(tp)
    n = x.shape[0]
    rows = max(1, min(n, ROW_BLOCK_ELEMENTS // max(n, 1)))
    blocks = [(i, min(i + rows, n)) for i in range(0, n, rows)]
    dx, dy = torch.zeros_like(x), torch.zeros_like(y)
    dt = db = 0.0
    if loss == "clip":
        diag = t * (x * y).sum(1)
        row_lse = torch.empty(n, dtype=torch.float64, device=device)
        col_lse = torch.full((n,), -math.inf, dtype=torch.float64, device=device)
        for a, b in blocks:
            lg = t * x[a:b] @ y.T
            row_lse[a:b] = torch.logsumexp(lg, 1)
            col_lse = torch.logaddexp(col_lse, torch.logsumexp(lg, 0))
        value = 0.5 * ((row_lse - diag).mean() + (col_lse - diag).mean())
        for a, b in blocks:
            lg = t * x[a:b] @ y.T
            g = (torch.exp(lg - row_lse[a:b, None]) + torch.exp(lg - col_lse[None, :])) / (2 * n)
            idx = torch.arange(a, b, device=device)
            g[idx - a, idx] -= 1.0 / n  # the positives: −1/2N from each direction
            dx[a:b] = t * g @ y
            dy += t * g.T @ x[a:b]
            dt += float((g * lg).sum())
        return StepResult(value.detach().cpu(), dx.cpu(), dy.cpu(), torch.tensor(dt, dtype=torch.float64), None)
    value = 0.0
    for a, b in blocks:
        lg = t * x[a:b] @ y.T + beta
        z = -torch.ones_like(lg)
        idx = torch.arange(a, b, device=device)
        z[idx - a, idx] = 1.0
        value += float(torch.nn.functional.softplus(-z * lg).sum()) / n
        g = -z * torch.sigmoid(-z * lg) / n
        dx[a:b] = t * g @ y
        dy += t * g.T @ x[a:b]
        dt += float((g * (lg - beta)).sum())
        db += float(g.sum())
    f64 = lambda v: torch.tensor(v, dtype=torch.float64)  # noqa: E731
    return StepResult(f64(value), dx.cpu(), dy.cpu(), f64(dt), f64(db))


def errors(outputs: List[Optional[torch.Tensor]], ref: StepResult) -> Dict[str, Optional[float]]:
    """Relative error per output; None where the implementation does not compute it (a fixed temperature)."""
    refs = [ref.loss, ref.dx, ref.dy, ref.dt, ref.db]
    out: Dict[str, Optional[float]] = {}
    for key, got, want in zip(OUTPUT_KEYS, outputs, refs):
        if want is None:
            continue
        out[key] = None if got is None else relative_error(got, want)
    return out


def verdict(errs: Dict[str, Optional[float]], dtype: str) -> str:
    """'pass', or 'wrong: dx 5.3e-01, ...' naming each output over the tolerance (NaN/Inf included), with
    outputs the implementation does not compute named as such."""
    tol = TOLERANCE[dtype]
    bad = [f"{k} {'non-finite' if not math.isfinite(v) else f'{v:.1e}'}" for k, v in errs.items()
           if v is not None and not v <= tol]
    missing = [k for k, v in errs.items() if v is None]
    note = f" ({', '.join(missing)} not computed)" if missing else ""
    return (f"wrong (tolerance {tol:g}): {', '.join(bad)}" if bad else "pass") + note


def assemble(parts: List[List[Optional[torch.Tensor]]]) -> List[Optional[torch.Tensor]]:
    """Per-rank shares [loss, dx, dy, dt', dβ] → the global outputs: scalars summed, rows concatenated."""
    def total(i: int) -> Optional[torch.Tensor]:
        if any(p[i] is None for p in parts):
            return None
        return torch.stack([p[i].reshape(()) for p in parts]).sum(0)

    def rows(i: int) -> Optional[torch.Tensor]:
        return None if any(p[i] is None for p in parts) else torch.cat([p[i] for p in parts])

    return [total(0), rows(1), rows(2), total(3), total(4)]


def fill(report: Dict[str, Any], parts: List[List[Optional[torch.Tensor]]], loss: str, inp: Inputs, dtype: str,
         device: torch.device) -> None:
    """The accuracy fields of a report: err_loss, err_dx, err_dy, err_dt, err_db and accuracy."""
    errs = errors(assemble(parts), reference_blocks(loss, inp, device))
    for key, field in zip(OUTPUT_KEYS, ("err_loss", "err_dx", "err_dy", "err_dt", "err_db")):
        v = errs.get(key)
        report[field] = v if v is None or math.isfinite(v) else None
    report["accuracy"] = verdict(errs, dtype)
