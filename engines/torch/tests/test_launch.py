"""The rank launcher: a rank that fails is named, with its own reason, not its peers' broken connections; a
rank that stops answering is named as a timeout; ranks die with their launcher, and leave nothing behind."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest

import support
import torch

from lossbench_torch.distributed.comm import Comm
from lossbench_torch.distributed.launch import launch


def fail_on_rank_1(comm: Comm) -> int:
    if comm.rank == 1:
        raise MemoryError("simulated: out of memory on rank 1")
    comm.all_gather(torch.ones(4), "fwd")  # rank 0 waits here until its peer is gone
    return comm.rank


def stop_rank_2(comm: Comm) -> int:
    comm.all_gather(torch.ones(4), "fwd")  # all three are up
    if comm.rank == 2:
        os.kill(os.getpid(), signal.SIGSTOP)
    comm.all_gather(torch.ones(4), "fwd")  # ranks 0 and 1 wait for rank 2 until the collective timeout
    return comm.rank


def alive(pid: int) -> bool:
    """Running (a zombie nobody has reaped yet counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


class Launch(unittest.TestCase):
    def test_failed_rank_is_named_and_classified(self) -> None:
        out = launch(fail_on_rank_1, (), 2, "cpu", timeout_s=60, dist_timeout_s=30)
        assert out.failure is not None
        self.assertEqual(out.failure.rank, 1)
        self.assertEqual(out.failure.status, "oom")
        self.assertIn("rank 1: MemoryError: simulated", out.failure.reason)
        self.assertEqual(out.results, [])

    def test_stopped_rank_is_a_timeout_naming_it(self) -> None:
        # Its peers fail first ("Application timeout caused pair closure"): they are not the cause.
        t0 = time.monotonic()
        out = launch(stop_rank_2, (), 3, "cpu", timeout_s=60, dist_timeout_s=3)
        assert out.failure is not None, out
        self.assertEqual((out.failure.rank, out.failure.status), (2, "timeout"), out.failure.reason)
        self.assertRegex(out.failure.reason, r"^rank 2 stopped answering \(its process is stopped")
        self.assertLess(time.monotonic() - t0, 50)


# A launcher that starts W ranks and is then SIGKILLed at a chosen moment (by the test, from outside).
LAUNCHER = """
import sys, torch
from lossbench_torch.distributed.comm import Comm
from lossbench_torch.distributed.launch import launch
import test_launch
print("launching", flush=True)
launch(test_launch.sleep_forever, (), 2, "cpu", timeout_s=600)
"""


def sleep_forever(comm: Comm) -> int:
    print(f"rank {comm.rank} up", flush=True)
    while True:
        time.sleep(1)


def rank_pids(mark: str) -> list:
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/environ", "rb") as f:
                env = f.read()
        except OSError:
            continue
        if mark.encode() in env and b"LOSSBENCH_RANK=" in env:
            out.append(int(d))
    return out


@unittest.skipUnless(sys.platform.startswith("linux"), "reads /proc")
class RanksDieWithTheirLauncher(unittest.TestCase):
    def kill_launcher_after(self, lines: int) -> None:
        """SIGKILL the launcher once it printed `lines` lines (1: while the ranks import torch; 3: both up)."""
        mark = f"LOSSBENCH_TEST_LAUNCH={os.getpid()}-{lines}"
        with tempfile.TemporaryDirectory() as tmp:
            env = support.child_env(TMPDIR=tmp, LOSSBENCH_TEST_LAUNCH=mark.split("=")[1],
                                    PYTHONPATH=os.pathsep.join([support.ENGINE, support.HERE]))
            p = subprocess.Popen([sys.executable, "-c", LAUNCHER], env=env, stdout=subprocess.PIPE, text=True,
                                 start_new_session=True)
            try:
                assert p.stdout is not None
                for _ in range(lines):
                    self.assertTrue(p.stdout.readline(), "the launcher printed its progress")
                if lines == 1:
                    deadline = time.monotonic() + 30  # the rank processes exist, still importing torch
                    while len(rank_pids(mark)) < 2 and time.monotonic() < deadline:
                        time.sleep(0.02)
                ranks = rank_pids(mark)
                self.assertEqual(len(ranks), 2, "both ranks were started")
                p.kill()
                p.wait()
                time.sleep(1.0)
                self.assertEqual([r for r in ranks if alive(r)], [], "no rank outlives its launcher by 1 s")
                self.assertEqual([r for r in rank_pids(mark) if alive(r)], [])
                # Only the launcher's own rank folder is left (the runner removes the scenario's scratch, which
                # TMPDIR names); nothing elsewhere, such as semaphores in /dev/shm.
                self.assertEqual([n for n in os.listdir(tmp) if not n.startswith("lossbench-torch-")], [])
            finally:
                if p.poll() is None:
                    p.kill()
                os.killpg(p.pid, signal.SIGKILL) if alive(p.pid) else None

    def test_while_the_ranks_start(self) -> None:
        self.kill_launcher_after(1)

    def test_while_the_ranks_run(self) -> None:
        self.kill_launcher_after(3)


if __name__ == "__main__":
    unittest.main()
