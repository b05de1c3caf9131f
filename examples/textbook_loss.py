"""An implementation plug-in for lossbench's torch engine (docs/implementations.md): the textbook CLIP and
SigLIP losses as most training code writes them, one rank's view, with lossbench's accuracy check, timing,
memory probe and counted bytes applied to it unchanged.

    npx lossbench bench --engine torch --device cpu --impl naive,py:examples.textbook_loss:factory \\
        --loss clip,siglip --batch 256,512 --dim 64

(run from the repository root, or put this folder on PYTHONPATH). It declares what it supports by
raising Unsupported for the rest: one device only, both losses.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from lossbench_torch.impls.contract import Convention, Request, Result, Step, Unsupported

STRATEGIES = {"clip": ("single",), "siglip": ("single",)}


def factory(req: Request) -> Step:
    if req.strategy not in STRATEGIES[req.loss]:
        raise Unsupported(f"textbook_loss runs {req.loss}/single only, not {req.strategy}")

    def step(x: torch.Tensor, y: torch.Tensor, t_prime: torch.Tensor, bias: torch.Tensor) -> Result:
        x, y, t_prime, bias = (v.detach().requires_grad_(True) for v in (x, y, t_prime, bias))
        with torch.enable_grad():
            logits = t_prime.exp() * x @ y.T
            n = logits.shape[0]
            if req.loss == "clip":
                labels = torch.arange(n, device=logits.device)
                loss = (F.cross_entropy(logits, labels) + F.cross_entropy(logits.T, labels)) / 2
                dx, dy, dt = torch.autograd.grad(loss, (x, y, t_prime))
                return Result(loss.detach(), dx, dy, dt, None, Convention())
            z = 2 * torch.eye(n, device=logits.device) - 1
            loss = -F.logsigmoid(z * (logits + bias)).sum() / n
            dx, dy, dt, db = torch.autograd.grad(loss, (x, y, t_prime, bias))
            return Result(loss.detach(), dx, dy, dt, db, Convention())

    return step
