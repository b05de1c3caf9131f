"""One rank's measurement of a scenario: inputs, the first step (loss value, traffic, finiteness),
the peak memory of a step, then the timed steps. W = 1 runs it in the worker itself."""
from __future__ import annotations

from typing import Any, Callable, Dict, List, Tuple

import torch

from .. import faults, inputs as inputs_mod, precision
from ..distributed.comm import Comm
from ..distributed.strategies import rank_step
from ..losses import loss_step
from ..spec import Job
from .device import device_name, sync
from .memory import host_rss_peak_bytes, measure_peak
from .timing import run_timed

OUTPUTS = ("loss", "dx", "dy", "dt'", "dβ")


def _shard(job: Job, comm: Comm) -> inputs_mod.Inputs:
    s = job.spec
    full = (inputs_mod.read(job.inputs_path, s.n, s.dim) if job.inputs_path
            else inputs_mod.seeded(s.loss, s.n, s.dim, s.seed))
    b = s.local_batch
    shard = full if comm.world == 1 else full.rows(comm.rank * b, (comm.rank + 1) * b)
    del full
    return shard.to(comm.device)


def _step_fn(job: Job, comm: Comm, inp: inputs_mod.Inputs) -> Callable[[], Tuple[List[torch.Tensor], str]]:
    """The step as a function returning its outputs (in OUTPUTS order) and how the scalars combine."""
    s = job.spec
    if s.strategy == "single":
        f = loss_step(s.loss, s.impl, s.chunk)

        def single() -> Tuple[List[torch.Tensor], str]:
            comm.reset()
            r = f(inp)
            return [v for _, v in r.named()], "replicated"

        return single

    def distributed() -> Tuple[List[torch.Tensor], str]:
        r = rank_step(s.loss, s.impl, s.strategy, s.chunk, s.n, comm, inp)
        return [v for v in (r.loss, r.dx, r.dy, r.dt, r.db) if v is not None], r.scalars

    return distributed


def run_rank(comm: Comm, job: Job) -> Dict[str, Any]:
    """Everything the parent needs from this rank, as plain data."""
    precision.configure(job.dtype, comm.device.type)
    comm.overlap = job.overlap
    s = job.spec
    inp = _shard(job, comm)
    step = _step_fn(job, comm, inp)
    faults.rank_faults(s.id, comm.rank)

    outs, scalars = step()
    sync(comm.device)
    flags = [0 if bool(torch.isfinite(t).all()) else 1 for t in outs]
    flags = comm.agree_max(flags + [0] * (len(OUTPUTS) - len(flags)))  # every rank stops, or none
    traffic = comm.ledger.totals()
    result: Dict[str, Any] = {
        "status": "ok", "reason": "", "device_name": device_name(comm.device), "scalars": scalars,
        "loss": float(outs[0]), "comm": {"sent": traffic.sent, "received": traffic.received, "rounds": traffic.rounds},
        "step_ms": [], "comm_ms": [], "comm_exposed_ms": [], "peak_bytes": None, "memory_probe": "", "rss_peak": 0,
    }
    del outs
    bad = [name for name, f in zip(OUTPUTS, flags) if f]
    if bad:
        result.update(status="error", reason=f"non-finite result in {', '.join(bad)}")
    else:
        result["peak_bytes"], result["memory_probe"] = measure_peak(step, comm.device)
        comm_ms: List[float] = []
        exposed_ms: List[float] = []

        def timed_step() -> None:
            step()
            sync(comm.device)
            comm_ms.append(comm.ms)
            exposed_ms.append(comm.exposed_ms)

        result["step_ms"] = run_timed(timed_step, s.warmup, s.samples, s.time_budget_ms,
                                      lambda k: comm.agree_max([k])[0])
        result["comm_ms"] = comm_ms[s.warmup:]
        result["comm_exposed_ms"] = exposed_ms[s.warmup:]
    result["rss_peak"] = host_rss_peak_bytes()
    return result
