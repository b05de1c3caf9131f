"""Shared helpers of the tests (not a test module: unittest only collects test_*.py)."""
from __future__ import annotations

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ENGINE = os.path.dirname(HERE)  # engines/torch: what PYTHONPATH names for the worker
if ENGINE not in sys.path:
    sys.path.insert(0, ENGINE)

import torch  # noqa: E402

# Two cores here: one intra-op thread per process keeps spawned ranks from fighting over them.
torch.set_num_threads(1)


def child_env(**extra: str) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = ENGINE
    env.setdefault("OMP_NUM_THREADS", "1")
    for k in ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT", "LOCAL_RANK", "LOSSBENCH_FAULT", "LOSSBENCH_PARENT_PID"):
        env.pop(k, None)
    env.update(extra)
    return env
