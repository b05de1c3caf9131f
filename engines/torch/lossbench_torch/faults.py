"""Test hooks from LOSSBENCH_FAULT (comma-separated): "killrank:<r>:<id>" — rank r SIGKILLs itself
right before its first step; "stoprank:<r>:<id>" — rank r SIGSTOPs itself there (it stops answering, as
a hung or frozen rank would); "exit:<id>" — the worker exits with code 3 without a report;
"hang:<id>" — the worker sleeps forever; "slow:<s>:<id>" — each rank sleeps s seconds right before its first
step (a long scenario). <id> is the scenario id (spec.scenario_id)."""
from __future__ import annotations

import os
import signal
import sys
import time
from typing import List, Tuple


def _faults() -> List[Tuple[str, str]]:
    out = []
    for f in os.environ.get("LOSSBENCH_FAULT", "").split(","):
        kind, sep, rest = f.strip().partition(":")
        if sep:
            out.append((kind, rest.strip()))
    return out


def worker_faults(scenario: str) -> None:
    for kind, target in _faults():
        if target != scenario:
            continue
        if kind == "exit":
            sys.stderr.write(f"lossbench_torch: LOSSBENCH_FAULT exit for {scenario}\n")
            sys.stderr.flush()
            os._exit(3)
        if kind == "hang":
            while True:
                time.sleep(3600)


def rank_faults(scenario: str, rank: int) -> None:
    for kind, target in _faults():
        r, _, sid = target.partition(":")
        if kind == "slow" and sid == scenario:
            time.sleep(float(r))
            continue
        if sid != scenario or r.strip() != str(rank):
            continue
        if kind == "killrank":
            os.kill(os.getpid(), signal.SIGKILL)
        if kind == "stoprank":
            os.kill(os.getpid(), signal.SIGSTOP)
