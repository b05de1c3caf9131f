"""One rank's measurement of a scenario: inputs, the implementation's step (impls/), the first step (its
outputs normalised to lossbench's convention for the accuracy check, its counted traffic), the peak memory
of a step, then the timed steps — the same for every implementation. W = 1 runs it in the worker itself."""
from __future__ import annotations

import contextlib
from typing import Any, Callable, Dict, List, Optional

import torch

from .. import faults, inputs as inputs_mod, precision
from ..distributed.comm import Comm
from ..impls.contract import Request, Result
from ..impls.normalise import shares
from ..impls.registry import BUILTIN, factory
from ..spec import Job
from .device import device_name, sync
from .memory import host_rss_peak_bytes, measure_peak
from .timing import run_timed


def full_inputs(job: Job) -> inputs_mod.Inputs:
    s = job.spec
    return (inputs_mod.read(job.inputs_path, s.n, s.dim) if job.inputs_path
            else inputs_mod.seeded(s.loss, s.n, s.dim, s.seed))


def _shard(job: Job, comm: Comm) -> inputs_mod.Inputs:
    full = full_inputs(job)
    b = job.spec.local_batch
    shard = full if comm.world == 1 else full.rows(comm.rank * b, (comm.rank + 1) * b)
    del full
    return shard.to(comm.device)


def request(job: Job, comm: Optional[Comm], rank: int = 0, device: Optional[torch.device] = None) -> Request:
    s = job.spec
    return Request(loss=s.loss, strategy=s.strategy, world=s.world, rank=comm.rank if comm else rank,
                   group=comm.group if comm else None, dtype=job.dtype,
                   device=comm.device if comm else (device or torch.device("cpu")), n=s.n, local_batch=s.local_batch,
                   dim=s.dim, chunk=s.chunk, comm=comm)


def step_fn(job: Job, comm: Comm, inp: inputs_mod.Inputs) -> Callable[[], Result]:
    """The step as a function of nothing: this rank's inputs bound, a fresh ledger each call. Third-party
    steps run under bf16 autocast when the dtype says so (lossbench's own route their matmuls themselves)."""
    step = factory(job.spec.impl)(request(job, comm))
    autocast = job.dtype == "bf16" and job.spec.impl not in BUILTIN

    def run() -> Result:
        comm.reset()
        ctx = torch.autocast(comm.device.type, torch.bfloat16) if autocast else contextlib.nullcontext()
        with ctx:
            return step(inp.x, inp.y, inp.t_prime, inp.bias)

    return run


def timed_step_of(step: Callable[[], Result], comm: Comm, comm_ms: List[float],
                  exposed_ms: List[float]) -> Callable[[], None]:
    """What one timed sample runs: the step, the device synchronised, its collectives' times kept."""

    def timed_step() -> None:
        step()
        sync(comm.device)
        comm_ms.append(comm.ms)
        exposed_ms.append(comm.exposed_ms)

    return timed_step


def _cpu(ts: List[Optional[torch.Tensor]]) -> List[Optional[torch.Tensor]]:
    return [None if t is None else t.detach().cpu() for t in ts]


def run_rank(comm: Comm, job: Job) -> Dict[str, Any]:
    """Everything the parent needs from this rank, as plain data."""
    precision.configure(job.dtype, comm.device.type)
    comm.overlap = job.overlap
    s = job.spec
    inp = _shard(job, comm)
    step = step_fn(job, comm, inp)
    faults.rank_faults(s.id, comm.rank)

    first = step()
    sync(comm.device)
    outputs = _cpu(shares(first, comm.world))
    del first
    traffic = comm.ledger.totals()
    result: Dict[str, Any] = {
        "status": "ok", "reason": "", "device_name": device_name(comm.device), "scalars": "sum",
        "loss": float(outputs[0]) if outputs[0] is not None else float("nan"), "outputs": outputs,
        "comm": {"sent": traffic.sent, "received": traffic.received, "rounds": traffic.rounds},
        "ledger": comm.ledger.as_dict(), "step_ms": [], "comm_ms": [], "comm_exposed_ms": [], "peak_bytes": None,
        "memory_probe": "", "rss_peak": 0,
    }
    result["peak_bytes"], result["memory_probe"] = measure_peak(step, comm.device)
    comm_ms: List[float] = []
    exposed_ms: List[float] = []
    timed_step = timed_step_of(step, comm, comm_ms, exposed_ms)
    result["step_ms"] = run_timed(timed_step, s.warmup, s.samples, s.time_budget_ms, lambda k: comm.agree_max([k])[0])
    result["comm_ms"] = comm_ms[s.warmup:]
    result["comm_exposed_ms"] = exposed_ms[s.warmup:]
    result["rss_peak"] = host_rss_peak_bytes()
    return result
