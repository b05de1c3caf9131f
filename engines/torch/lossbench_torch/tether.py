"""Ties a lossbench_torch process to the process that started it, from its first instruction: imported by
__main__.py before anything else of ours (and long before torch), so a parent killed at any moment — even
while this interpreter is still starting — never leaves it running.

The parent names itself in LOSSBENCH_PARENT_PID (the runner for a worker, the worker for its ranks). Linux:
prctl(PR_SET_PDEATHSIG, SIGKILL) makes the kernel kill us the instant the parent dies; the check that our
parent is still the one named closes the window before the prctl (a parent that died earlier has already
handed us to init or a subreaper). Elsewhere a thread polls the parent pid every 0.2 s. The variable is
removed once read, so that other programs this process starts are not bound by it."""
from __future__ import annotations

import os
import sys
import threading
import time
from typing import List

PARENT_ENV = "LOSSBENCH_PARENT_PID"
PR_SET_PDEATHSIG = 1
SIGKILL = 9
ORPHANED_EXIT = 125  # the parent was gone before we could be tied to it
START_PPID = os.getppid()  # read at once: later, a dead parent would already have been replaced
tied = False  # whether tie_from_env bound this process to a parent


def _pdeathsig() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def _ancestors() -> List[int]:
    """Our parent, its parent, ... up to init (Linux /proc; elsewhere just the parent)."""
    out, pid = [], os.getppid()
    while pid > 1 and len(out) < 64:
        out.append(pid)
        try:
            with open(f"/proc/{pid}/stat") as f:
                pid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            break
    return out


def _poll(parent: int, direct: bool) -> None:
    def loop() -> None:
        while (os.getppid() == parent) if direct else (parent in _ancestors()):
            time.sleep(0.2)
        os._exit(ORPHANED_EXIT)

    threading.Thread(target=loop, name="lossbench-tether", daemon=True).start()


def tie_from_env() -> None:
    """No-op unless LOSSBENCH_PARENT_PID is set (a person running a command by hand). The named process is
    our parent, or an ancestor when a wrapper (a shell script, `uv run`) started us: then the kernel ties us
    to the wrapper and a thread watches that the named process is still above us."""
    global tied
    text = os.environ.pop(PARENT_ENV, "")
    if not text:
        return
    try:
        parent = int(text)
    except ValueError:
        sys.stderr.write(f"lossbench_torch: {PARENT_ENV}={text!r} is not a pid\n")
        os._exit(2)
    by_kernel = _pdeathsig()
    direct = os.getppid() == parent
    if not direct and parent not in _ancestors():  # it died before the prctl: we were handed to init
        os._exit(ORPHANED_EXIT)
    if not direct or not by_kernel:
        _poll(parent, direct)
    tied = True


def watch_start_parent() -> None:
    """For a process not tied through the environment: exit once the parent it started with is gone."""
    if not tied:
        _poll(START_PPID, True)
