"""One scenario in this process (W = 1), on spawned ranks (W > 1; with a rendezvous, this node's share of
them, distributed/nodes.py), or as one rank of a torchrun launch (rank 0 writes the report). Imported by
worker.py once the job has been parsed."""
from __future__ import annotations

import sys
from typing import Any, Dict, List

import torch
import torch.distributed as dist

from . import precision
from .distributed import group
from .distributed.comm import Comm
from .distributed.launch import launch
from .env import positive_seconds
from .distributed.nodes import launch_across, progress_host
from .measure.aggregate import aggregate
from .measure.device import device_name, resolve
from .measure.memory import host_rss_peak_bytes
from .impls.contract import Unsupported
from .impls.registry import factory, version_of
from .measure import accuracy
from .measure.rank import full_inputs, request, run_rank
from .report import classify, empty_report, one_line, write_atomic
from .spec import Job

RANK_TIMEOUT_S = 7 * 24 * 3600.0  # the runner owns the scenario timeout (it kills our process group)


def _dist_timeout_s() -> float:
    return positive_seconds("LOSSBENCH_DIST_TIMEOUT_S", group.DEFAULT_TIMEOUT_S)


def _precheck(job: Job, device: torch.device) -> None:
    """Asks the implementation for rank 0's step before any rank starts: an unsupported request costs no
    spawned ranks. Only Unsupported counts here; anything else is left for the ranks to meet."""
    try:
        factory(job.spec.impl)(request(job, None, 0, device))
    except Unsupported:
        raise
    except Exception:  # noqa: BLE001
        pass


def _accuracy(report: Dict[str, Any], results: List[Dict[str, Any]], job: Job, device: torch.device) -> None:
    if report["status"] != "ok":
        return
    try:
        accuracy.fill(report, [r["outputs"] for r in results], job.spec.loss, full_inputs(job), job.dtype, device)
    except Exception as e:  # noqa: BLE001 - a reference that cannot be computed is said, not a failed row
        report["accuracy"] = f"not checked: {one_line(e)}"


def run_job(job: Job) -> Dict[str, Any]:
    """The report of one job, launched from this process (no torchrun)."""
    report = empty_report()
    world = job.spec.world
    report["impl_version"] = version_of(job.spec.impl)
    try:
        device = resolve(job.device)  # a missing GPU fails here, once, clearly
        report["device_name"] = device_name(device)
        _precheck(job, device)
        if world == 1:
            precision.configure(job.dtype, job.device)
            with progress_host(job.rendezvous):  # across nodes: node 0 seen at work by the others
                results = [run_rank(Comm(0, 1, device, None), job)]
            aggregate(results, report, 1)
            _accuracy(report, results, job, device)
        else:
            rdzv = job.rendezvous
            if rdzv is None:
                out = launch(run_rank, (job,), world, job.device, RANK_TIMEOUT_S, _dist_timeout_s())
            else:
                out = launch_across(run_rank, (job,), world, job.device, rdzv, RANK_TIMEOUT_S, _dist_timeout_s())
            report["dist_backend"] = out.backend
            if out.failure is not None:
                f = out.failure
                report.update(status=f.status, reason=f.reason, failed_rank=f.rank if f.rank >= 0 else None)
            elif rdzv is not None and rdzv.node_rank != 0:
                report.update(status="ok", reason=f"node {rdzv.node_rank} ran {rdzv.ranks_of(rdzv.node_rank, world)}; "
                                                  "node 0 reports the measurements")
            else:
                aggregate(out.results, report, world)
                _accuracy(report, out.results, job, device)
    except Exception as e:  # noqa: BLE001 - every failure becomes a report
        report.update(status=classify(e), reason=one_line(e))
    if report["host_rss_peak_bytes"] is None:
        report["host_rss_peak_bytes"] = host_rss_peak_bytes()
    return report


def run_torchrun(job: Job, report_path: str, env: Dict[str, int]) -> int:
    """This process is one rank of a torchrun launch; rank 0 gathers the results and writes the report."""
    rank, world = env["rank"], env["world"]
    report = empty_report()
    if world != job.spec.world:
        report["reason"] = f"torchrun WORLD_SIZE {world} but the spec says world {job.spec.world}"
        if rank == 0:
            write_atomic(report_path, report)
        return 0
    backend = group.choose_backend(job.device, world)
    report["dist_backend"] = backend
    device = group.rank_device(job.device, env["local_rank"])
    group.init_torchrun(backend, _dist_timeout_s())
    try:
        try:
            mine: Dict[str, Any] = run_rank(Comm(rank, world, device, backend), job)
        except Exception as e:  # noqa: BLE001
            mine = {"failure": {"status": classify(e), "reason": one_line(e)}}
            sys.stderr.write(f"lossbench_torch rank {rank}: {one_line(e)}\n")
        results: List[Any] = [None] * world
        dist.all_gather_object(results, mine)
        if rank == 0:
            failed = [(r, res["failure"]) for r, res in enumerate(results) if "failure" in res]
            if failed:
                r, f = failed[0]
                report.update(status=f["status"], reason=f"rank {r}: {f['reason']}", failed_rank=r)
                report["host_rss_peak_bytes"] = host_rss_peak_bytes()
            else:
                aggregate(results, report, world)
                _accuracy(report, results, job, device)
            write_atomic(report_path, report)
    finally:
        group.close()
    return 0
