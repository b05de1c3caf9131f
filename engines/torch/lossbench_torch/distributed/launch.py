"""W rank processes for one task: spawned with torch.multiprocessing (join=False), watched until all
finish, one fails (the others are then terminated and the failed rank is named) or time runs out.

Each rank runs task(comm, *args) and saves what it returns to a file the parent reads back; a rank
that raises saves its classified failure and exits 1. The ranks stay in the worker's process group
(no setsid), so the runner's kill of the group reaches them; each also exits by itself if its parent
disappears."""
from __future__ import annotations

import multiprocessing.connection
import os
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import torch
import torch.multiprocessing as mp

from ..report import classify, one_line
from . import group
from .comm import Comm

# Errors a rank gets because another one died: never the cause.
SECONDARY = re.compile(r"connection (closed|reset)|closed by peer|broken pipe|ECONNRESET|ECONNREFUSED|"
                       r"socket timeout|timed out|NCCL communicator was aborted|Interrupted", re.I)

_children: List[Any] = []  # live rank processes, for the SIGTERM handler


@dataclass
class RankFailure:
    rank: int
    status: str  # 'oom' | 'error' | 'timeout'
    reason: str


@dataclass
class Outcome:
    results: List[Any]  # per rank, when all succeeded
    failure: Optional[RankFailure]
    backend: str


def kill_children() -> None:
    for p in list(_children):
        if p.is_alive():
            p.kill()


def _watch_parent(parent: int) -> None:
    def loop() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)  # orphaned: the worker is gone, so is anyone to read our result

    threading.Thread(target=loop, daemon=True).start()


def _rank_main(index: int, payload: Tuple[Any, ...]) -> None:
    task, args, world, device_type, backend, join, ranks, outdir, timeout_s, parent, threads = payload
    _watch_parent(parent)
    rank = ranks[index]  # global rank; index: the local one (its GPU)
    path = os.path.join(outdir, f"rank{rank}.pt")
    try:
        if threads:
            torch.set_num_threads(threads)
        device = group.rank_device(device_type, index)
        join(rank, world, backend, timeout_s)
        result = task(Comm(rank, world, device, backend), *args)
        torch.save({"ok": result}, path)
    except BaseException as e:  # noqa: BLE001 - every failure is reported to the parent
        torch.save({"failure": {"status": classify(e), "reason": one_line(e)}}, path)
        sys.stderr.write(f"lossbench_torch rank {rank}: {one_line(e)}\n")
        sys.stderr.flush()
        os._exit(1)  # not sys.exit: a broken process group can hang interpreter shutdown
    try:
        group.close()
    finally:
        os._exit(0)


def _failure_of(rank: int, code: int, outdir: str) -> RankFailure:
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return RankFailure(rank, "error", f"rank {rank} killed by {name}")
    path = os.path.join(outdir, f"rank{rank}.pt")
    try:
        f = torch.load(path, map_location="cpu")["failure"]
        return RankFailure(rank, f["status"], f"rank {rank}: {f['reason']}")
    except Exception:  # noqa: BLE001 - no file: it died before it could say why
        return RankFailure(rank, "error", f"rank {rank} exited with code {code}")


def _root_cause(failures: List[RankFailure], codes: Dict[int, Optional[int]]) -> RankFailure:
    """A rank killed by a signal, else one whose error is not a broken connection, else the first."""
    for f in failures:
        if (codes[f.rank] or 0) < 0:
            return f
    for f in failures:
        if not SECONDARY.search(f.reason):
            return f
    return failures[0]


def launch(task: Callable[..., Any], args: Tuple[Any, ...], world: int, device_type: str = "cpu",
           timeout_s: float = 300.0, dist_timeout_s: float = group.DEFAULT_TIMEOUT_S,
           threads: Optional[int] = None, ranks: Optional[Sequence[int]] = None,
           join: Optional[Callable[[int, int, str, float], None]] = None, backend: Optional[str] = None,
           poll: Optional[Callable[[], Optional[RankFailure]]] = None) -> Outcome:
    """Runs task(comm, *args) on `world` spawned ranks. `threads`: intra-op threads per CPU rank (default:
    the cores shared out, so the ranks do not oversubscribe the host). Across nodes (nodes.py) this node
    starts only `ranks` of the world, each joining the group by `join(rank, world, backend, timeout_s)`
    (default: a rendezvous on 127.0.0.1), and `poll()` may end the launch with another node's failure."""
    ranks = list(range(world)) if ranks is None else list(ranks)
    backend = backend or group.choose_backend(device_type, len(ranks))
    if threads is None and device_type == "cpu":
        threads = max(1, (os.cpu_count() or 1) // len(ranks))
    outdir = tempfile.mkdtemp(prefix="lossbench-torch-")
    join = join or group.LoopbackJoin(group.free_port())
    payload = (task, args, world, device_type, backend, join, ranks, outdir, dist_timeout_s, os.getpid(), threads)
    ctx = mp.start_processes(_rank_main, args=(payload,), nprocs=len(ranks), join=False, start_method="spawn")
    procs = list(ctx.processes)
    _children.extend(procs)
    try:
        failure = _watch(procs, ranks, outdir, time.monotonic() + timeout_s, timeout_s, poll)
        if failure is not None:
            return Outcome([], failure, backend)
        results = [torch.load(os.path.join(outdir, f"rank{r}.pt"), map_location="cpu")["ok"] for r in ranks]
        return Outcome(results, None, backend)
    finally:
        for p in procs:
            if p.is_alive():
                p.kill()
            p.join(5)
            if p in _children:
                _children.remove(p)
        shutil.rmtree(outdir, ignore_errors=True)


def _watch(procs: List[Any], ranks: List[int], outdir: str, deadline: float, timeout_s: float,
           poll: Optional[Callable[[], Optional[RankFailure]]] = None) -> Optional[RankFailure]:
    while True:
        codes = [p.exitcode for p in procs]
        if any(c not in (None, 0) for c in codes):
            time.sleep(0.1)  # let ranks failing for the same cause finish saying so
            codes = [p.exitcode for p in procs]
            failed = [_failure_of(ranks[i], c, outdir) for i, c in enumerate(codes) if c not in (None, 0)]
            for p in procs:
                if p.is_alive():
                    p.kill()
            return _root_cause(failed, dict(zip(ranks, codes)))
        if all(c == 0 for c in codes):
            return None
        remote = poll() if poll is not None else None
        if remote is not None:
            for p in procs:
                if p.is_alive():
                    p.kill()
            return remote
        left = deadline - time.monotonic()
        if left <= 0:
            for p in procs:
                if p.is_alive():
                    p.kill()
            stuck = [ranks[i] for i, c in enumerate(codes) if c is None]
            return RankFailure(stuck[0], "timeout", f"ranks {stuck} still running after {timeout_s:.0f} s")
        wait = 0.5 if poll is None else 0.2
        multiprocessing.connection.wait([p.sentinel for p in procs if p.exitcode is None], timeout=min(left, wait))
