"""`step`: one step on inputs from a file (raw float32 LE: x, y, t', β); writes loss, dx, dy, dt', dβ
as raw float32 LE to --out (dβ = 0 for CLIP) and a JSON summary to stdout — the cross-engine check."""
from __future__ import annotations

import json
import os
from typing import Optional, Tuple

import torch

from .. import inputs as inputs_mod
from ..distributed.cases import Case, run_cases
from ..losses.types import StepResult
from ..spec import STRATEGIES


def dims(path: str, n: Optional[int], d: Optional[int]) -> Tuple[int, int]:
    floats = (os.path.getsize(path) - 8) // 4  # 2·N·D
    if n is None and d is None:
        raise ValueError("give --n or --dim: the file holds 2·N·D + 2 floats and cannot tell N from D")
    if n is None:
        n = floats // (2 * d)  # type: ignore[operator]
    if d is None:
        d = floats // (2 * n)
    if 2 * n * d != floats:
        raise ValueError(f"{path}: {floats + 2} floats do not fit N = {n}, D = {d}")
    return n, d


def run(path: str, loss: str, impl: str, strategy: str, world: int, chunk: int, n: Optional[int], d: Optional[int],
        device: str, dtype: str) -> StepResult:
    if strategy not in STRATEGIES[loss]:
        raise ValueError(f"strategy {strategy!r} is not one of {loss}'s: {', '.join(STRATEGIES[loss])}")
    n, d = dims(path, n, d)
    inp = inputs_mod.read(path, n, d)
    if strategy == "single" and world != 1:
        raise ValueError("strategy single runs at --world 1")
    if n % world:
        raise ValueError(f"N = {n} is not a multiple of --world {world}")
    return run_cases([Case(loss, impl, strategy, chunk, inp)], world, device, dtype=dtype)[0].result


def main(path: str, loss: str, impl: str, strategy: str, world: int, chunk: int, n: Optional[int], d: Optional[int],
         out: Optional[str], device: str, dtype: str) -> int:
    r = run(path, loss, impl, strategy, world, chunk, n, d, device, dtype)
    db = r.db if r.db is not None else torch.zeros(())
    if out:
        with open(out, "wb") as f:
            f.write(inputs_mod.to_bytes(r.loss, r.dx, r.dy, r.dt, db))
    print(json.dumps({"loss": float(r.loss), "dt": float(r.dt), "db": float(db), "n": r.dx.shape[0],
                      "d": r.dx.shape[1], "out": out}))
    return 0
