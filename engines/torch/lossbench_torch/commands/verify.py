"""`verify`: every loss × impl × strategy on small hard cases against the float64 reference; one
JSON line per case; exit 1 if any fails. Distributed strategies run at W = 2 on spawned ranks, with
b chosen so that tiles are ragged.

`--impl` names the implementations (default: lossbench's own). Any other (checkpoint, a third-party one,
a plugin) runs the same cases on the same inputs as lossbench's naive, through its factory and the
normalisation of the sweeps (impls/cases.py), on every strategy of the loss and its third-party modes; a
strategy it does not have is one line `{"unsupported": reason}`, not a check."""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Dict, Iterator, List, Optional

from .. import precision
from ..cases import T100, hard_inputs
from ..compare import TOLERANCE, passes, step_errors, textbook_inexact
from ..distributed.cases import Case, run_cases
from ..impls.cases import ImplCase, run_impl_cases
from ..measure.accuracy import errors as impl_errors
from ..inputs import Inputs
from ..reference import reference_step
from ..spec import INIT, IMPLS, LOSSES, STRATEGIES, THIRD_PARTY_STRATEGIES

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


def impl_cases(impls: List[str], seed: int = 1) -> Iterator[VerifyCase]:
    """Each implementation that is not lossbench's own on naive's inputs of every case, and on the loss's
    third-party modes (W = 2, the DIST cases, fresh inputs)."""
    own = list(cases(seed))
    for loss in LOSSES:
        for impl in impls:
            for c in own:
                if c.loss == loss and c.impl == IMPLS[0]:
                    yield VerifyCase(loss, impl, c.strategy, c.world, c.n, c.chunk, c.kind, c.t_prime, c.inputs)
    next_seed = 1000 * (seed - 1) + len(own)
    for loss in LOSSES:
        for strategy in THIRD_PARTY_STRATEGIES[loss]:
            for n, c, kind, tp in DIST:
                next_seed += 1
                inputs = hard_inputs(loss, n, D, next_seed, kind, tp)
                for impl in impls:
                    yield VerifyCase(loss, impl, strategy, 2, n, c, kind, tp, inputs)


def row(c: VerifyCase, errors: Dict[str, float], tol: float) -> Dict[str, object]:
    """One case's line. The textbook naive CLIP on correlated pairs (compare.textbook_inexact) reports its
    error as a finding: its row passes when the error is finite, and says `textbook`."""
    t = math.exp(c.t_prime if c.t_prime is not None else INIT[c.loss]["t_prime"])
    textbook = textbook_inexact(c.loss, c.impl, c.strategy, c.kind) and not passes(errors, tol)
    return {"loss": c.loss, "impl": c.impl, "strategy": c.strategy, "world": c.world, "n": c.n, "d": D,
            "c": c.chunk, "t": round(t, 4), "kind": c.kind,
            "errors": {k: (v if math.isfinite(v) else str(v)) for k, v in errors.items()},
            "pass": passes(errors, math.inf if textbook else tol), **({"textbook": True} if textbook else {})}


def run(device: str, dtype: str, seed: int = 1, impls: Optional[List[str]] = None) -> List[Dict[str, object]]:
    precision.configure(dtype, device)
    tol = TOLERANCE[dtype]
    chosen = list(IMPLS) if impls is None else impls
    all_cases = [c for c in cases(seed) if c.impl in chosen]
    others = [i for i in chosen if i not in IMPLS]
    rows = []
    for world in (1, 2):  # single: its rank program at W = 1, in this process; the others on 2 spawned ranks
        these = [c for c in all_cases if c.world == world]
        if not these:
            continue
        results = run_cases([Case(c.loss, c.impl, c.strategy, c.chunk, c.inputs) for c in these], world, device,
                            dtype=dtype)
        for c, res in zip(these, results):
            rows.append(row(c, step_errors(res.result, reference_step(c.loss, c.inputs)), tol))
    if others:
        rows += run_others(list(impl_cases(others, seed)), device, dtype)
    return rows


def run_others(these: List[VerifyCase], device: str, dtype: str) -> List[Dict[str, object]]:
    """The cases of implementations other than lossbench's own: one line per case that runs, one per
    loss × impl × strategy that does not (its reason); an output it does not compute (memeff's dt') is left
    out of its errors and named in `not_computed`."""
    tol, rows, refused = TOLERANCE[dtype], [], set()
    for world in (1, 2):
        group = [c for c in these if c.world == world]
        results = run_impl_cases([ImplCase(c.loss, c.impl, c.strategy, c.inputs, c.chunk) for c in group], world,
                                 device=device, dtype=dtype)
        for c, r in zip(group, results):
            if r.unsupported:
                if (c.loss, c.impl, c.strategy) not in refused:
                    refused.add((c.loss, c.impl, c.strategy))
                    rows.append({"loss": c.loss, "impl": c.impl, "strategy": c.strategy, "world": c.world,
                                 "unsupported": r.unsupported})
                continue
            errs = impl_errors(r.outputs, reference_step(c.loss, c.inputs))
            line = row(c, {k: v for k, v in errs.items() if v is not None}, tol)
            missing = [k for k, v in errs.items() if v is None]
            rows.append({**line, **({"not_computed": missing} if missing else {})})
    return rows


def main(device: str, dtype: str, seed: int = 1, impls: Optional[List[str]] = None) -> int:
    ok = True
    for r in run(device, dtype, seed, impls):
        print(json.dumps(r), flush=True)
        ok = ok and bool(r.get("pass", True))
    return 0 if ok else 1
