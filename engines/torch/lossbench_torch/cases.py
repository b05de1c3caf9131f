"""Hard inputs for verification: random pairs, correlated pairs (y_i ≈ x_i, a dominant diagonal) and
duplicate rows (off-diagonal logits equal to the diagonal ones)."""
from __future__ import annotations

import math
from typing import Optional

import torch

from .inputs import Inputs, seeded, unit_rows

KINDS = ("random", "correlated", "duplicates")
T100 = math.log(100)  # t' of t = 100


def hard_inputs(loss: str, n: int, d: int, seed: int, kind: str = "random", t_prime: Optional[float] = None) -> Inputs:
    inp = seeded(loss, n, d, seed, t_prime)
    if kind == "correlated":
        gen = torch.Generator().manual_seed(seed + 1)
        inp.y = unit_rows(inp.x + 0.01 * torch.randn(n, d, generator=gen))
    elif kind == "duplicates":
        # every other row repeats its predecessor, in x and y alike
        idx = torch.arange(n) // 2 * 2
        inp.x, inp.y = inp.x[idx].clone(), inp.y[idx].clone()
    elif kind != "random":
        raise ValueError(f"unknown input kind {kind!r}")
    return inp
