"""What one step returns: the loss and its gradients with respect to x, y, t' and β."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Tuple

import torch

from ..inputs import Inputs


@dataclass
class StepResult:
    loss: torch.Tensor  # 0-dim
    dx: torch.Tensor
    dy: torch.Tensor
    dt: torch.Tensor  # d loss / d t' (0-dim)
    db: Optional[torch.Tensor]  # d loss / d β; None for CLIP
    # The float64 reference only: per output name, the norm of the magnitudes of the terms it sums
    # (compare.py's floor; src/losses/reference.ts says the same as RefResult.scale).
    scales: Optional[Dict[str, float]] = None

    def named(self) -> List[Tuple[str, torch.Tensor]]:
        out = [("loss", self.loss), ("dx", self.dx), ("dy", self.dy), ("dt'", self.dt)]
        return out + ([("dβ", self.db)] if self.db is not None else [])


StepFn = Callable[[Inputs], StepResult]


def autograd_step(f: Callable[..., torch.Tensor], inp: Inputs, with_bias: bool) -> StepResult:
    """Value and gradients of f(x, y, t', β) by autograd, on detached leaf copies of the inputs."""
    leaves = [v.detach().requires_grad_(True) for v in (inp.x, inp.y, inp.t_prime, inp.bias)]
    with torch.enable_grad():  # strategies call this inside no_grad
        value = f(*leaves)
        grads = torch.autograd.grad(value, leaves if with_bias else leaves[:3])
    return StepResult(value.detach(), grads[0], grads[1], grads[2], grads[3] if with_bias else None)
