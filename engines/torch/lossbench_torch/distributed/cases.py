"""Many strategy steps on one spawned group (cheaper than a group per case): for the tests, `verify`
and `step`. Every rank takes its shard of each case's inputs; the parent assembles the global loss and
gradients and keeps each rank's ledger."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple

import torch
import torch.distributed as dist

from .. import precision
from ..inputs import Inputs
from ..losses.types import StepResult
from .comm import Comm
from .launch import RankFailure, launch
from .strategies import rank_step


@dataclass
class Case:
    loss: str
    impl: str
    strategy: str
    chunk: int
    inputs: Inputs  # the global N×D inputs (on the CPU)


@dataclass
class CaseResult:
    result: StepResult  # assembled: global loss, N×D gradients
    ledgers: List[Dict[str, Any]]  # per rank: kind → phase → {sent, received, rounds}
    ranks: List[Dict[str, Any]]  # per rank: its loss, dx, dy, dt, db (CPU tensors) and scalars ('sum' | 'replicated')
    comm_ms: Optional[List[Tuple[float, float]]] = None  # per rank: (time in collectives, the part waited for)


def _run_on_rank(comm: Comm, cases: Sequence[Case], dtype: str = "fp32", overlap: bool = True) -> List[Dict[str, Any]]:
    precision.configure(dtype, comm.device.type)
    comm.overlap = overlap
    out = []
    for c in cases:
        b = c.inputs.x.shape[0] // comm.world
        shard = c.inputs.rows(comm.rank * b, (comm.rank + 1) * b).to(comm.device)
        r = rank_step(c.loss, c.impl, c.strategy, c.chunk, c.inputs.x.shape[0], comm, shard)
        cpu = {k: (None if v is None else v.detach().cpu()) for k, v in
               (("loss", r.loss), ("dx", r.dx), ("dy", r.dy), ("dt", r.dt), ("db", r.db))}
        out.append({**cpu, "scalars": r.scalars, "ledger": comm.ledger.as_dict(), "comm_ms": comm.ms,
                    "exposed_ms": comm.exposed_ms})
    return out


def _assemble(parts: List[Dict[str, Any]]) -> StepResult:
    def total(key: str) -> Optional[torch.Tensor]:
        if parts[0][key] is None:
            return None
        if parts[0]["scalars"] == "replicated":
            return parts[0][key]
        return torch.stack([p[key] for p in parts]).sum(0)

    return StepResult(total("loss"), torch.cat([p["dx"] for p in parts]), torch.cat([p["dy"] for p in parts]),
                      total("dt"), total("db"))  # type: ignore[arg-type]


def _run_sets_on_rank(comm: Comm, sets: Dict[int, List[Case]], dtype: str,
                      overlap: bool = True) -> Dict[int, List[Dict[str, Any]]]:
    """Each world W of `sets` on the sub-group of ranks 0..W−1 (every rank creates every sub-group, as
    new_group requires); ranks outside a sub-group wait for the next."""
    out = {}
    for world in sorted(sets):
        sub = dist.new_group(list(range(world)))
        if comm.rank < world:
            out[world] = _run_on_rank(Comm(comm.rank, world, comm.device, comm.backend, sub), sets[world], dtype,
                                      overlap)
        dist.barrier()
    return out


def run_case_sets(sets: Dict[int, List[Case]], device_type: str = "cpu", timeout_s: float = 120.0,
                  dtype: str = "fp32", overlap: bool = True) -> Dict[int, List[CaseResult]]:
    """Cases for several worlds on one spawned set of max(W) ranks (one torch start-up per rank, not per W)."""
    out: Dict[int, List[CaseResult]] = {}
    if 1 in sets:
        out[1] = run_cases(sets[1], 1, device_type, timeout_s, dtype)
    multi = {w: c for w, c in sets.items() if w > 1}
    if multi:
        launched = launch(_run_sets_on_rank, (multi, dtype, overlap), max(multi), device_type, timeout_s)
        if launched.failure is not None:
            raise CasesFailed(launched.failure)
        for w, cases in multi.items():
            per_rank = [launched.results[r][w] for r in range(w)]
            out[w] = [_result([r[i] for r in per_rank]) for i in range(len(cases))]
    return out


def run_cases(cases: Sequence[Case], world: int, device_type: str = "cpu", timeout_s: float = 120.0,
              dtype: str = "fp32") -> List[CaseResult]:
    """world 1 runs in this process (no process group); more ranks are spawned (gloo/NCCL)."""
    if world == 1:
        dev = torch.device("cuda" if device_type == "cuda" else "cpu")
        per_rank = [_run_on_rank(Comm(0, 1, dev, None), cases, dtype)]
    else:
        out = launch(_run_on_rank, (list(cases), dtype), world, device_type, timeout_s)
        if out.failure is not None:
            raise CasesFailed(out.failure)
        per_rank = out.results
    return [_result([r[i] for r in per_rank]) for i in range(len(cases))]


def _result(parts: List[Dict[str, Any]]) -> CaseResult:
    return CaseResult(_assemble(parts), [p["ledger"] for p in parts], parts,
                      [(p["comm_ms"], p["exposed_ms"]) for p in parts])


class CasesFailed(RuntimeError):
    def __init__(self, failure: RankFailure) -> None:
        super().__init__(f"{failure.status}: {failure.reason}")
        self.failure = failure
