"""`verify`: every loss × impl × strategy on small hard cases against the float64 reference; one
JSON line per case; exit 1 if any fails. Distributed strategies run at W = 2 on spawned ranks, with
b chosen so that tiles are ragged."""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Dict, Iterator, List, Optional

from .. import precision
from ..cases import T100, hard_inputs
from ..compare import TOLERANCE, passes, step_errors, textbook_inexact
from ..distributed.cases import Case, run_cases
from ..inputs import Inputs
from ..reference import reference_step
from ..spec import INIT, IMPLS, LOSSES, STRATEGIES

D = 64


@dataclass
class VerifyCase:
    loss: str
    impl: str
    strategy: str
    world: int
    n: int
    chunk: int
    kind: str
    t_prime: Optional[float]
    inputs: Inputs


# (N, c, input kind, t'): N = 1 and 3 have nothing or almost nothing off the diagonal; 257 with c = 64
# ends in a one-column tile; t = 100 with correlated pairs is where float32 cancellation would bite.
SINGLE = [(1, 16, "random", None), (3, 2, "random", None), (64, 16, "random", T100), (257, 64, "random", None),
          (257, 64, "random", T100), (64, 16, "correlated", T100), (64, 16, "duplicates", None)]
# W = 2, b = 37, c = 16: tiles of 16, 16, 5 within every local block
DIST = [(74, 16, "random", None), (74, 16, "random", T100), (74, 16, "correlated", T100), (74, 16, "duplicates", None)]


def cases(seed: int = 1) -> Iterator[VerifyCase]:
    """The cases of `verify --seed`: case i (from 1) draws its inputs from seed 1000·(seed − 1) + i."""
    seed = 1000 * (seed - 1)
    for loss in LOSSES:
        for impl in IMPLS:
            for n, c, kind, tp in SINGLE:
                seed += 1
                yield VerifyCase(loss, impl, "single", 1, n, c, kind, tp, hard_inputs(loss, n, D, seed, kind, tp))
            for strategy in STRATEGIES[loss][1:]:
                for n, c, kind, tp in DIST:
                    seed += 1
                    yield VerifyCase(loss, impl, strategy, 2, n, c, kind, tp, hard_inputs(loss, n, D, seed, kind, tp))


def row(c: VerifyCase, errors: Dict[str, float], tol: float) -> Dict[str, object]:
    """One case's line. The textbook naive CLIP on correlated pairs (compare.textbook_inexact) reports its
    error as a finding: its row passes when the error is finite, and says `textbook`."""
    t = math.exp(c.t_prime if c.t_prime is not None else INIT[c.loss]["t_prime"])
    textbook = textbook_inexact(c.loss, c.impl, c.strategy, c.kind) and not passes(errors, tol)
    return {"loss": c.loss, "impl": c.impl, "strategy": c.strategy, "world": c.world, "n": c.n, "d": D,
            "c": c.chunk, "t": round(t, 4), "kind": c.kind,
            "errors": {k: (v if math.isfinite(v) else str(v)) for k, v in errors.items()},
            "pass": passes(errors, math.inf if textbook else tol), **({"textbook": True} if textbook else {})}


def run(device: str, dtype: str, seed: int = 1) -> List[Dict[str, object]]:
    precision.configure(dtype, device)
    tol = TOLERANCE[dtype]
    all_cases = list(cases(seed))
    rows = []
    for world in (1, 2):  # single: its rank program at W = 1, in this process; the others on 2 spawned ranks
        these = [c for c in all_cases if c.world == world]
        results = run_cases([Case(c.loss, c.impl, c.strategy, c.chunk, c.inputs) for c in these], world, device,
                            dtype=dtype)
        for c, res in zip(these, results):
            rows.append(row(c, step_errors(res.result, reference_step(c.loss, c.inputs)), tol))
    return rows


def main(device: str, dtype: str, seed: int = 1) -> int:
    ok = True
    for r in run(device, dtype, seed):
        print(json.dumps(r), flush=True)
        ok = ok and bool(r["pass"])
    return 0 if ok else 1
