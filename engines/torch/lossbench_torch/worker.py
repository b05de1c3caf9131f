"""`python3 -m lossbench_torch worker`: one scenario, protocol 1.

The job comes in LOSSBENCH_JOB (JSON), the report goes to the file named by LOSSBENCH_REPORT (written
atomically); exit 0 once it is written, whatever the status. W = 1 runs in this process; W > 1 spawns
W ranks (gloo, or NCCL with a GPU per rank), or — when torchrun set RANK/WORLD_SIZE/... — this process
is one rank and rank 0 writes the report (scenario.py). The job is parsed and the exit/hang faults
applied before torch is imported: a bad job or a fault costs no torch start-up."""
from __future__ import annotations

import json
import os
import signal
import sys
from types import FrameType
from typing import Optional

from . import faults, tether
from .report import empty_report, one_line, write_atomic
from .spec import parse_job



def _on_sigterm(signum: int, _frame: Optional[FrameType]) -> None:
    launch = sys.modules.get("lossbench_torch.distributed.launch")  # no ranks before it is imported
    if launch is not None:
        launch.kill_children()  # type: ignore[attr-defined]
    os._exit(128 + signum)


def main() -> int:
    report_path = os.environ.get("LOSSBENCH_REPORT")
    if not report_path:
        sys.stderr.write("lossbench_torch worker: error: LOSSBENCH_REPORT is not set\n")
        return 2
    signal.signal(signal.SIGTERM, _on_sigterm)
    # The runner's process group is not ours: if the runner dies (even by SIGKILL) nothing else would stop
    # us. __main__ tied us to it before any import (tether.py); a worker started without LOSSBENCH_PARENT_PID
    # watches the parent it started with. Its ranks are tied to it in turn (distributed/launch.py).
    tether.watch_start_parent()
    try:
        job = parse_job(json.loads(os.environ.get("LOSSBENCH_JOB") or "null"))
    except Exception as e:  # noqa: BLE001 - a bad job is an error report, not a crash
        report = empty_report()
        report["reason"] = f"bad LOSSBENCH_JOB: {one_line(e)}"
        sys.stderr.write(f"lossbench_torch worker: error: {report['reason']}\n")
        write_atomic(report_path, report)
        return 0
    faults.worker_faults(job.spec.id)

    from . import scenario  # torch from here on
    from .distributed.group import torchrun_env

    env = torchrun_env()
    if env is not None:
        return scenario.run_torchrun(job, report_path, env)
    report = scenario.run_job(job)
    if report["status"] != "ok":
        sys.stderr.write(f"lossbench_torch worker: {report['status']}: {report['reason']}\n")
    write_atomic(report_path, report)
    return 0
