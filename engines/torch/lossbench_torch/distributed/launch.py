"""W rank processes for one task: each started with subprocess.Popen as `python -m lossbench_torch __rank
<folder> <r>`, watched until all finish, one fails (the others are then killed and the root cause is named)
or time runs out.

Each rank runs task(comm, *args) and saves what it returns to a file the parent reads back; a rank that
raises saves its classified failure and exits 1. Plain processes, not multiprocessing's spawn: a rank is tied
to this process from its first instruction (tether.py: it dies with us, whoever kills us), and nothing is
made outside the rank folder — no semaphores in /dev/shm, no resource-tracker process — so a SIGKILL of the
whole group leaves only that folder, under the temp dir the runner gives (TMPDIR: the scenario's scratch,
which the runner removes). The ranks stay in the worker's process group (no setsid), so the runner's kill of
the group reaches them. Across nodes (nodes.py) this node starts only its `ranks` of the world.

A rank that stops answering (SIGSTOP, a hang) shows up as its peers failing with timeouts or broken
connections; it is the one blamed, as a `timeout`, not the first peer that gave up."""
from __future__ import annotations

import os
import pickle
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Sequence

import torch

from ..report import classify, one_line
from ..tether import PARENT_ENV
from . import group
from .comm import Comm

# Errors a rank gets because another one died or stopped answering: never the cause.
SECONDARY = re.compile(r"connection (closed|reset)|closed by peer|broken pipe|ECONNRESET|ECONNREFUSED|"
                       r"timeout|timed out|NCCL communicator was aborted|Interrupted", re.I)
RANK_ENV = "LOSSBENCH_RANK"  # each rank's number, in its environment (the runner reads it from /proc)
GRACE_S = 2.0  # how long ranks still running may take to fail too once their peers gave up on them

_children: List["subprocess.Popen[bytes]"] = []  # live rank processes, for the SIGTERM handler


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
        if p.poll() is None:
            p.kill()


def _payload_path(outdir: str) -> str:
    return os.path.join(outdir, "payload.pt")


def rank_main(outdir: str, rank: int) -> int:
    """`python -m lossbench_torch __rank <folder> <r>`: one rank (global number r) of the task launch() saved in
    the folder."""
    path = os.path.join(outdir, f"rank{rank}.pt")
    try:
        task, args, world, device_type, backend, join, ranks, timeout_s, threads = torch.load(
            _payload_path(outdir), map_location="cpu", weights_only=False)
        if threads:
            torch.set_num_threads(threads)
        device = group.rank_device(device_type, ranks.index(rank))  # the local index picks the GPU
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


def _rank_env(rank: int) -> dict:
    env = dict(os.environ)
    env[PARENT_ENV] = str(os.getpid())
    env[RANK_ENV] = str(rank)
    # The task and its arguments are pickled by reference to their modules: the rank imports them from where
    # this process did (a test module, say), as multiprocessing's spawn did.
    env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(p or os.getcwd() for p in sys.path))
    return env


def _start(ranks: List[int], outdir: str) -> List["subprocess.Popen[bytes]"]:
    procs = []
    try:
        for r in ranks:
            procs.append(subprocess.Popen([sys.executable, "-m", "lossbench_torch", "__rank", outdir, str(r)],
                                          env=_rank_env(r), stdin=subprocess.DEVNULL))
            _children.append(procs[-1])
    except BaseException:
        for p in procs:
            p.kill()
        raise
    return procs


def _failure_of(rank: int, code: int, outdir: str) -> RankFailure:
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return RankFailure(rank, "error", f"rank {rank} killed by {name}")
    path = os.path.join(outdir, f"rank{rank}.pt")
    try:
        f = torch.load(path, map_location="cpu", weights_only=False)["failure"]
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


def process_state(pid: int) -> str:
    """The state letter of /proc/<pid>/stat ('R', 'S', 'T' stopped, 't' traced, 'Z'...); '' if unknown."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
        return stat[stat.rindex(")") + 2]
    except (OSError, ValueError, IndexError):
        return ""


def _stopped(procs: List["subprocess.Popen[bytes]"], ranks: List[int], among: List[int]) -> List[int]:
    """Those of `among` (global ranks) whose process is stopped."""
    return [r for i, r in enumerate(ranks) if r in among and process_state(procs[i].pid) in ("T", "t")]


def _silent(procs: List["subprocess.Popen[bytes]"], ranks: List[int], outdir: str) -> Optional[RankFailure]:
    """When every failure so far is a peer giving up (timeout, closed connection), the rank that stopped
    answering is one still running: a stopped one at once, else one that neither exits nor fails within
    GRACE_S (a rank that fails meanwhile, for a cause of its own, is left to _root_cause)."""
    deadline = time.monotonic() + GRACE_S
    while True:
        codes = dict(zip(ranks, [p.poll() for p in procs]))
        failed = [_failure_of(r, c, outdir) for r, c in codes.items() if c not in (None, 0)]
        if any(not SECONDARY.search(f.reason) or (codes[f.rank] or 0) < 0 for f in failed):
            return None
        running = [r for r, c in codes.items() if c is None]
        if not running:
            return None
        stopped = _stopped(procs, ranks, running)
        if stopped:
            r = stopped[0]
            return RankFailure(r, "timeout", f"rank {r} stopped answering (its process is stopped, e.g. by SIGSTOP); "
                                             f"its peers gave up: {failed[0].reason}")
        if time.monotonic() > deadline:
            r = running[0]
            return RankFailure(r, "timeout", f"rank {r} stopped answering; its peers gave up: {failed[0].reason}")
        time.sleep(0.05)


def launch(task: Callable[..., Any], args: Any, world: int, device_type: str = "cpu",
           timeout_s: float = 300.0, dist_timeout_s: float = group.DEFAULT_TIMEOUT_S,
           threads: Optional[int] = None, ranks: Optional[Sequence[int]] = None,
           join: Optional[Callable[[int, int, str, float], None]] = None, backend: Optional[str] = None,
           poll: Optional[Callable[[], Optional[RankFailure]]] = None) -> Outcome:
    """Runs task(comm, *args) on `world` rank processes. `threads`: intra-op threads per CPU rank (default:
    the cores shared out, so the ranks do not oversubscribe the host). Across nodes (nodes.py) this node
    starts only `ranks` of the world, each joining the group by `join(rank, world, backend, timeout_s)`
    (default: a rendezvous on 127.0.0.1; a picklable object), and `poll()` may end the launch with another
    node's failure."""
    ranks = list(range(world)) if ranks is None else list(ranks)
    backend = backend or group.choose_backend(device_type, len(ranks))
    if threads is None and device_type == "cpu":
        threads = max(1, (os.cpu_count() or 1) // len(ranks))
    outdir = tempfile.mkdtemp(prefix="lossbench-torch-")
    join = join or group.LoopbackJoin(group.free_port())
    procs: List["subprocess.Popen[bytes]"] = []
    try:
        with open(_payload_path(outdir), "wb") as f:
            torch.save((task, args, world, device_type, backend, join, ranks, dist_timeout_s, threads), f,
                       pickle_protocol=pickle.HIGHEST_PROTOCOL)
        procs = _start(ranks, outdir)
        failure = _watch(procs, ranks, outdir, time.monotonic() + timeout_s, timeout_s, poll)
        if failure is not None:
            return Outcome([], failure, backend)
        return Outcome([torch.load(os.path.join(outdir, f"rank{r}.pt"), map_location="cpu", weights_only=False)["ok"]
                        for r in ranks], None, backend)
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                pass
            if p in _children:
                _children.remove(p)
        shutil.rmtree(outdir, ignore_errors=True)


def _kill_running(procs: List["subprocess.Popen[bytes]"]) -> None:
    for p in procs:
        if p.poll() is None:
            p.kill()


def _watch(procs: List["subprocess.Popen[bytes]"], ranks: List[int], outdir: str, deadline: float, timeout_s: float,
           poll: Optional[Callable[[], Optional[RankFailure]]] = None) -> Optional[RankFailure]:
    while True:
        codes = [p.poll() for p in procs]
        if any(c not in (None, 0) for c in codes):
            time.sleep(0.1)  # let ranks failing for the same cause finish saying so
            silent = _silent(procs, ranks, outdir)
            codes = [p.poll() for p in procs]
            failed = [_failure_of(ranks[i], c, outdir) for i, c in enumerate(codes) if c not in (None, 0)]
            _kill_running(procs)
            return silent or _root_cause(failed, dict(zip(ranks, codes)))
        if all(c == 0 for c in codes):
            return None
        remote = poll() if poll is not None else None
        if remote is not None:
            _kill_running(procs)
            return remote
        if deadline - time.monotonic() <= 0:
            stuck = [ranks[i] for i, c in enumerate(codes) if c is None]
            stopped = _stopped(procs, ranks, stuck)
            _kill_running(procs)
            if stopped:
                return RankFailure(stopped[0], "timeout", f"rank {stopped[0]} stopped answering (its process is "
                                                          f"stopped, e.g. by SIGSTOP); ranks {stuck} still running "
                                                          f"after {timeout_s:.0f} s")
            return RankFailure(stuck[0], "timeout", f"ranks {stuck} still running after {timeout_s:.0f} s")
        time.sleep(0.05)
