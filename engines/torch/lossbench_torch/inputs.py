"""Step inputs: seeded unit-norm Gaussian rows (x then y, float32) and the INIT scalars, or raw
little-endian float32 from a file (x: N·D, y: N·D, t', β) so that engines can share bit-identical inputs."""
from __future__ import annotations

import array
import sys
from dataclasses import dataclass
from typing import Optional

import torch

from .spec import INIT


@dataclass
class Inputs:
    x: torch.Tensor  # N×D float32, unit rows
    y: torch.Tensor
    t_prime: torch.Tensor  # 0-dim float32, t = exp(t')
    bias: torch.Tensor  # 0-dim float32 (β; unused by CLIP)

    def to(self, device: torch.device) -> "Inputs":
        return Inputs(*(v.to(device) for v in (self.x, self.y, self.t_prime, self.bias)))

    def rows(self, start: int, stop: int) -> "Inputs":
        """A rank's shard (copies, so the full tensors can be freed)."""
        return Inputs(self.x[start:stop].clone(), self.y[start:stop].clone(), self.t_prime, self.bias)


def unit_rows(g: torch.Tensor) -> torch.Tensor:
    return g / g.norm(dim=1, keepdim=True)


def scalar(v: float) -> torch.Tensor:
    return torch.tensor(v, dtype=torch.float32)  # rounds to float32 like Math.fround


def seeded(loss: str, n: int, d: int, seed: int, t_prime: Optional[float] = None) -> Inputs:
    # Generated on the CPU whatever the device: the same seed gives the same numbers everywhere.
    gen = torch.Generator().manual_seed(seed)
    x = unit_rows(torch.randn(n, d, generator=gen, dtype=torch.float32))
    y = unit_rows(torch.randn(n, d, generator=gen, dtype=torch.float32))
    tp = INIT[loss]["t_prime"] if t_prime is None else t_prime
    return Inputs(x, y, scalar(tp), scalar(INIT[loss]["bias"]))


def _floats(data: bytes) -> torch.Tensor:
    a = array.array("f")
    a.frombytes(data)
    if sys.byteorder != "little":
        a.byteswap()
    return torch.tensor(a, dtype=torch.float32)


def read(path: str, n: int, d: int) -> Inputs:
    with open(path, "rb") as f:
        data = f.read()
    expected = 4 * (2 * n * d + 2)
    if len(data) != expected:
        raise ValueError(f"inputs file {path}: {len(data)} bytes, expected {expected} for N = {n}, D = {d}")
    v = _floats(data)
    return Inputs(v[: n * d].view(n, d).clone(), v[n * d : 2 * n * d].view(n, d).clone(), v[-2].clone(), v[-1].clone())


def to_bytes(*tensors: torch.Tensor) -> bytes:
    """Raw little-endian float32 of the tensors, flattened and concatenated."""
    a = array.array("f", torch.cat([t.detach().float().cpu().reshape(-1) for t in tensors]).tolist())
    if sys.byteorder != "little":
        a.byteswap()
    return a.tobytes()


def write(path: str, inp: Inputs) -> None:
    with open(path, "wb") as f:
        f.write(to_bytes(inp.x, inp.y, inp.t_prime, inp.bias))
