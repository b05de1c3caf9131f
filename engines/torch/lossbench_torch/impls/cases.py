"""Implementation × strategy cases on W spawned ranks (gloo on CPU), for the parity tests and `verify --impl`:
each rank runs each case's step through the implementation's factory on its shard of the case's inputs, with its
collectives counted; the parent assembles the normalised outputs (loss, dx, dy, dt', dβ) and keeps each
rank's counted ledger."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence

import torch

from .. import precision
from ..distributed.comm import Comm
from ..distributed.launch import launch
from ..inputs import Inputs
from ..measure.accuracy import assemble
from .contract import Request, Unsupported
from .normalise import shares
from .registry import factory


@dataclass
class ImplCase:
    loss: str
    impl: str
    strategy: str
    inputs: Inputs  # the global N×D inputs (on the CPU)
    chunk: int = 16


@dataclass
class ImplResult:
    outputs: List[Optional[torch.Tensor]]  # assembled [loss, dx, dy, dt', dβ]; [] when unsupported
    ledgers: List[Dict[str, Any]]  # per rank: kind → phase → {sent, received, rounds}
    sent: List[int]  # per rank: bytes sent in the step
    unsupported: str = ""


def _on_rank(comm: Comm, cases: Sequence[ImplCase], dtype: str = "fp32") -> List[Dict[str, Any]]:
    precision.configure(dtype, comm.device.type)
    out: List[Dict[str, Any]] = []
    for c in cases:
        n = c.inputs.x.shape[0]
        b = n // comm.world
        req = Request(loss=c.loss, strategy=c.strategy, world=comm.world, rank=comm.rank, group=comm.group,
                      dtype=dtype, device=comm.device, n=n, local_batch=b, dim=c.inputs.x.shape[1], chunk=c.chunk,
                      comm=comm)
        try:
            step = factory(c.impl)(req)
        except Unsupported as e:
            out.append({"unsupported": str(e)})
            continue
        shard = (c.inputs.rows(comm.rank * b, (comm.rank + 1) * b) if comm.world > 1 else c.inputs).to(comm.device)
        comm.reset()
        r = step(shard.x, shard.y, shard.t_prime, shard.bias)
        parts = [None if t is None else t.detach().cpu() for t in shares(r, comm.world)]
        out.append({"parts": parts, "ledger": comm.ledger.as_dict(), "sent": comm.ledger.totals().sent})
    return out


def run_impl_cases(cases: Sequence[ImplCase], world: int, timeout_s: float = 300.0, device: str = "cpu",
                   dtype: str = "fp32") -> List[ImplResult]:
    if world == 1:
        per_rank = [_on_rank(Comm(0, 1, torch.device(device), None), cases, dtype)]
    else:
        launched = launch(_on_rank, (list(cases), dtype), world, device, timeout_s)
        if launched.failure is not None:
            raise RuntimeError(f"{launched.failure.status}: {launched.failure.reason}")
        per_rank = launched.results
    results = []
    for i in range(len(cases)):
        ranks = [r[i] for r in per_rank]
        if "unsupported" in ranks[0]:
            results.append(ImplResult([], [], [], ranks[0]["unsupported"]))
            continue
        results.append(ImplResult(assemble([r["parts"] for r in ranks]), [r["ledger"] for r in ranks],
                                  [r["sent"] for r in ranks]))
    return results
