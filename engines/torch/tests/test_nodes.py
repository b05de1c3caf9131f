"""One scenario across two "nodes" on this host (two workers meeting at 127.0.0.1): a node whose worker is killed
mid-scenario is named by node 0 as gone, not blamed on node 0's ranks whose connections broke; node 0's farewell
after its sweep releases a node waiting for a scenario node 0 never served, and gives up on one that never comes."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

import support

SPEC = {"loss": "siglip", "impl": "chunked", "strategy": "ring", "n": 64, "world": 4, "localBatch": 16, "dim": 256,
        "chunk": 16, "warmup": 0, "samples": 100000, "timeBudgetMs": 600000, "seed": 1}


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _ranks_of(pid: int) -> int:
    out = subprocess.run(["pgrep", "-g", str(pid), "-f", "lossbench_torch __rank"], capture_output=True, text=True).stdout
    return len(out.split())


class Nodes(unittest.TestCase):
    def test_a_node_killed_mid_scenario_is_named_gone(self) -> None:
        port, folder, procs = _port(), tempfile.mkdtemp(), []
        try:
            for k in (0, 1):
                job = {"protocol": 1, "engine": "torch", "device": "cpu", "spec": SPEC,
                       "rendezvous": {"nnodes": 2, "nodeRank": k, "masterAddr": "127.0.0.1", "masterPort": port,
                                      "order": 0, "arriveTimeoutMs": 300000}}
                env = support.child_env(LOSSBENCH_JOB=json.dumps(job),
                                        LOSSBENCH_REPORT=os.path.join(folder, f"node{k}.json"))
                procs.append(subprocess.Popen([sys.executable, "-m", "lossbench_torch", "worker"], env=env,
                                              stderr=subprocess.DEVNULL, start_new_session=True))
            deadline = time.monotonic() + 300
            while _ranks_of(procs[1].pid) < 2 or _ranks_of(procs[0].pid) < 2:
                self.assertLess(time.monotonic(), deadline, "the ranks never started")
                time.sleep(0.5)
            time.sleep(3)  # steps under way
            os.killpg(procs[1].pid, signal.SIGKILL)
            self.assertEqual(procs[0].wait(120), 0)
            with open(os.path.join(folder, "node0.json")) as f:
                report = json.load(f)
            self.assertEqual(report["status"], "error")
            self.assertRegex(report["reason"], r"^node 1 \(ranks 2–3\) stopped answering for 10 s")
            self.assertIsNone(report["failed_rank"])
        finally:
            for p in procs:
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                p.wait()

    def test_farewell_releases_a_waiting_node_and_gives_up_on_a_silent_one(self) -> None:
        port, folder = _port(), tempfile.mkdtemp()
        job = {"protocol": 1, "engine": "torch", "device": "cpu", "spec": {**SPEC, "samples": 2},
               "rendezvous": {"nnodes": 2, "nodeRank": 1, "masterAddr": "127.0.0.1", "masterPort": port,
                              "order": 3, "arriveTimeoutMs": 300000}}
        report_path = os.path.join(folder, "node1.json")
        env = support.child_env(LOSSBENCH_JOB=json.dumps(job), LOSSBENCH_REPORT=report_path)
        follower = subprocess.Popen([sys.executable, "-m", "lossbench_torch", "worker"], env=env,
                                    stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            bye = subprocess.run([sys.executable, "-m", "lossbench_torch", "farewell", "--nnodes", "2",
                                  "--master-addr", "127.0.0.1", "--master-port", str(port), "--end", "5",
                                  "--last", "3", "--quiet", "60"], env=support.child_env(), capture_output=True,
                                 text=True, timeout=120)
            self.assertEqual(bye.returncode, 0, bye.stderr)
            self.assertIn("every other node has passed the sweep's end (#3)", bye.stderr)
            self.assertEqual(follower.wait(60), 0)
            with open(report_path) as f:
                report = json.load(f)
            self.assertEqual(report["status"], "skipped")
            self.assertIn("its sweep ended without it; this is #3", report["reason"])
        finally:
            try:
                os.killpg(follower.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            follower.wait()
        silent = subprocess.run([sys.executable, "-m", "lossbench_torch", "farewell", "--nnodes", "3",
                                 "--master-addr", "127.0.0.1", "--master-port", str(_port()), "--end", "5",
                                 "--last", "3", "--quiet", "1"], env=support.child_env(), capture_output=True,
                                text=True, timeout=120)
        self.assertEqual(silent.returncode, 0, silent.stderr)
        self.assertIn("node 1, node 2 did not pass the sweep's end (#3) within 1 s", silent.stderr)


if __name__ == "__main__":
    unittest.main()
