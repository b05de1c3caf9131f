"""Every measured row's accuracy: the relative errors of its loss, dx, dy, dt', dβ (normalised to lossbench's
convention and assembled over the ranks) against a float64 reference on the same inputs, and a verdict.

The reference is reference.py's float64 step computed in blocks of rows, so that it also reaches the N of a
GPU sweep: row and column log-sum-exps (CLIP) or softplus (SigLIP) over each block of logits, then the
gradient of each block. Errors as compare.py: ‖g − ref‖ / max(‖ref‖, floor of the terms' magnitude, 1e-30)."""
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
    """The float64 loss and gradients in blocks of rows (O(block·N) memory), in the forms of reference.py
    that float64 resolves on the hard case (CLIP's row and column terms softplus(lse_{j≠i} l_ij − l_ii), the
    positives' gradient −Σ_{j≠i} P_ij), with the magnitudes of the terms each output sums (compare.py's floors)."""
    x, y = inp.x.to(device, torch.float64), inp.y.to(device, torch.float64)
    t, beta = math.exp(float(inp.t_prime)), float(inp.bias)
    n = x.shape[0]
    rows = max(1, min(n, ROW_BLOCK_ELEMENTS // max(n, 1)))
    blocks = [(a, min(a + rows, n)) for a in range(0, n, rows)]
    dx, dy = torch.zeros_like(x), torch.zeros_like(y)
    ax, ay = torch.zeros_like(x), torch.zeros_like(y)  # t·|G|·|y|, t·|G|ᵀ·|x|
    f64 = lambda v: torch.tensor(float(v), dtype=torch.float64)  # noqa: E731
    if loss == "clip":
        diag = t * (x * y).sum(1)
        r_lse, r_off = torch.empty(n, dtype=torch.float64, device=device), torch.empty(n, dtype=torch.float64,
                                                                                        device=device)
        c_lse = torch.full((n,), -math.inf, dtype=torch.float64, device=device)
        c_off = c_lse.clone()
        for a, b in blocks:
            lg = t * x[a:b] @ y.T
            idx = torch.arange(a, b, device=device)
            masked = lg.clone()
            masked[idx - a, idx] = -math.inf
            r_lse[a:b], r_off[a:b] = torch.logsumexp(lg, 1), torch.logsumexp(masked, 1)
            c_lse = torch.logaddexp(c_lse, torch.logsumexp(lg, 0))
            c_off = torch.logaddexp(c_off, torch.logsumexp(masked, 0))
        sp = torch.nn.functional.softplus
        value = (sp(r_off - diag, threshold=1000.0).sum() + sp(c_off - diag, threshold=1000.0).sum()) / (2 * n)
        mass = torch.exp(r_off - r_lse) + torch.exp(c_off - c_lse)  # Σ_{j≠i} P_ij + Σ_{j≠i} Q_ji
        dt = dt_scale = 0.0
        for a, b in blocks:
            lg = t * x[a:b] @ y.T
            idx = torch.arange(a, b, device=device)
            p, q = torch.exp(lg - r_lse[a:b, None]), torch.exp(lg - c_lse[None, :])
            p[idx - a, idx] = 0.0
            q[idx - a, idx] = 0.0
            dt += float((p * (lg - diag[a:b, None])).sum() + (q * (lg - diag[None, :])).sum()) / (2 * n)
            g = (p + q) / (2 * n)
            g[idx - a, idx] = -mass[a:b] / (2 * n)
            dx[a:b], dy = t * g @ y, dy + t * g.T @ x[a:b]
            ax[a:b], ay = t * g.abs() @ y.abs(), ay + t * g.abs().T @ x[a:b].abs()
            dt_scale += float((g * lg).abs().sum())
        scales = {"loss": float(value), "dx": float(ax.norm()), "dy": float(ay.norm()), "dt'": dt_scale}
        return StepResult(value.cpu(), dx.cpu(), dy.cpu(), f64(dt), None, scales)
    value = dt = db = dt_scale = db_scale = 0.0
    for a, b in blocks:
        scaled = t * x[a:b] @ y.T
        z = -torch.ones_like(scaled)
        idx = torch.arange(a, b, device=device)
        z[idx - a, idx] = 1.0
        u = -z * (scaled + beta)
        value += float(torch.nn.functional.softplus(u, threshold=1000.0).sum()) / n
        g = -z * torch.sigmoid(u) / n
        dx[a:b], dy = t * g @ y, dy + t * g.T @ x[a:b]
        ax[a:b], ay = t * g.abs() @ y.abs(), ay + t * g.abs().T @ x[a:b].abs()
        dt += float((g * scaled).sum())
        db += float(g.sum())
        dt_scale += float((g * scaled).abs().sum())
        db_scale += float(g.abs().sum())
    scales = {"loss": value, "dx": float(ax.norm()), "dy": float(ay.norm()), "dt'": dt_scale, "dβ": db_scale}
    return StepResult(f64(value), dx.cpu(), dy.cpu(), f64(dt), f64(db), scales)


def errors(outputs: List[Optional[torch.Tensor]], ref: StepResult) -> Dict[str, Optional[float]]:
    """Relative error per output; None where the implementation does not compute it (a fixed temperature)."""
    refs = [ref.loss, ref.dx, ref.dy, ref.dt, ref.db]
    scales = ref.scales or {}
    out: Dict[str, Optional[float]] = {}
    for key, got, want in zip(OUTPUT_KEYS, outputs, refs):
        if want is None:
            continue
        out[key] = None if got is None else relative_error(got, want, scales.get(key, 0.0))
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
