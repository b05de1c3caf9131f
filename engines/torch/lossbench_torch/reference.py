"""Float64 ground truth: the textbook formulas (cross-entropy both ways; log-sigmoid with ±1 labels)
with float64 autograd. Deliberately not the masked forms the float32 losses use, so the check is
independent of them."""
from __future__ import annotations

import torch
import torch.nn.functional as F

from .inputs import Inputs
from .losses.types import StepResult


def reference_step(loss: str, inp: Inputs) -> StepResult:
    x, y, tp, bias = (v.detach().double().cpu().requires_grad_(True) for v in (inp.x, inp.y, inp.t_prime, inp.bias))
    n = x.shape[0]
    logits = tp.exp() * x @ y.T
    if loss == "clip":
        labels = torch.arange(n)
        value = (F.cross_entropy(logits, labels) + F.cross_entropy(logits.T, labels)) / 2
        dx, dy, dt = torch.autograd.grad(value, (x, y, tp))
        return StepResult(value.detach(), dx, dy, dt, None)
    z = 2 * torch.eye(n, dtype=torch.float64) - 1
    value = -F.logsigmoid(z * (logits + bias)).sum() / n
    dx, dy, dt, db = torch.autograd.grad(value, (x, y, tp, bias))
    return StepResult(value.detach(), dx, dy, dt, db)
