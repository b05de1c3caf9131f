"""The worker end to end, as the TypeScript runner drives it: job in LOSSBENCH_JOB, report file in
LOSSBENCH_REPORT, faults from LOSSBENCH_FAULT. Every child runs under a timeout."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import unittest
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, Optional, Tuple

import support

from lossbench_torch.contract import predicted_comm
from lossbench_torch.report import FIELDS
from lossbench_torch.spec import SpecError, parse_job, scenario_id

TIMEOUT_S = 300  # generous: six workers start torch at once, on a loaded 2-core host too


def job(loss: str, impl: str, strategy: str, world: int, b: int, dim: int = 16, chunk: int = 8) -> Dict[str, Any]:
    spec = {"loss": loss, "impl": impl, "strategy": strategy, "n": world * b, "world": world, "localBatch": b,
            "dim": dim, "chunk": chunk, "warmup": 1, "samples": 3, "timeBudgetMs": 50, "seed": 3, "link": "nvlink4"}
    return {"protocol": 1, "spec": spec, "engine": "torch", "device": "cpu", "dtype": "fp32"}


def sid(j: Dict[str, Any]) -> str:
    s = j["spec"]
    chunk = None if s["impl"] == "naive" else s["chunk"]  # naive has no tile width (spec.py)
    return scenario_id(s["loss"], s["impl"], s["strategy"], s["n"], s["world"], s["dim"], chunk)


def run_worker(j: Dict[str, Any], fault: str = "", **extra: str) -> Tuple[int, Optional[Dict[str, Any]], str]:
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "report.json")
        env = support.child_env(LOSSBENCH_JOB=json.dumps(j), LOSSBENCH_REPORT=path, **extra)
        if fault:
            env["LOSSBENCH_FAULT"] = fault
        p = subprocess.run([sys.executable, "-m", "lossbench_torch", "worker"], env=env, cwd=tmp,
                           capture_output=True, text=True, timeout=TIMEOUT_S, start_new_session=True)
        report = None
        if os.path.exists(path):
            with open(path) as f:
                report = json.load(f)
        leftovers = [f for f in os.listdir(tmp) if f != "report.json"]
        assert not leftovers, f"temporary files left: {leftovers}"
        return p.returncode, report, p.stderr


def run_as_torchrun(j: Dict[str, Any]) -> Tuple[int, Optional[Dict[str, Any]], str]:
    """Two workers with the variables torchrun sets: each is one rank; rank 0 writes the report."""
    from lossbench_torch.distributed.group import free_port

    port = str(free_port())
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "report.json")
        procs = []
        for rank in range(2):
            env = support.child_env(LOSSBENCH_JOB=json.dumps(j), LOSSBENCH_REPORT=path, RANK=str(rank), LOCAL_RANK=str(rank),
                                    WORLD_SIZE="2", MASTER_ADDR="127.0.0.1", MASTER_PORT=port)
            procs.append(subprocess.Popen([sys.executable, "-m", "lossbench_torch", "worker"], env=env, cwd=tmp,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True))
        try:
            errs = [p.communicate(timeout=TIMEOUT_S)[1] for p in procs]
        finally:
            for p in procs:
                p.kill()
        report = None
        if os.path.exists(path):
            with open(path) as f:
                report = json.load(f)
        return max(p.returncode for p in procs), report, "".join(errs)


RUNS = {
    "single_ok": (job("siglip", "chunked", "single", 1, 40), ""),
    "two_ranks_ok": (job("clip", "chunked", "allgather-local", 2, 20), ""),
    "killrank": (job("siglip", "naive", "ring", 2, 8), "killrank:1:{id}"),
    "exit": (job("clip", "naive", "single", 1, 8), "exit:{id}"),
    # rank 1 frozen: rank 0 times out after 3 s; the report blames rank 1, as a timeout
    "stoprank": (job("clip", "chunked", "ring", 2, 8), "stoprank:1:{id}"),
}
EXTRA_ENV = {"stoprank": {"LOSSBENCH_DIST_TIMEOUT_S": "3"}}


class Worker(unittest.TestCase):
    """The worker runs start together (each mostly waits for torch to import) and are checked apart."""

    runs: Dict[str, Tuple[int, Optional[Dict[str, Any]], str]] = {}

    @classmethod
    def setUpClass(cls) -> None:
        with ThreadPoolExecutor(len(RUNS)) as pool:
            futures = {k: pool.submit(run_worker, j, fault.format(id=sid(j)), **EXTRA_ENV.get(k, {}))
                       for k, (j, fault) in RUNS.items()}
            futures["torchrun"] = pool.submit(run_as_torchrun, job("siglip", "chunked", "ring-bidir", 2, 12))
            cls.runs = {k: f.result() for k, f in futures.items()}

    def assert_ok(self, report: Optional[Dict[str, Any]]) -> None:
        assert report is not None
        self.assertEqual(set(report), set(FIELDS))
        self.assertEqual(report["status"], "ok", report["reason"])
        self.assertEqual(report["reason"], "")
        for k in ("loss_value", "step_ms_median", "step_ms_p10", "step_ms_p90", "peak_tensor_bytes", "host_rss_peak_bytes"):
            self.assertIsInstance(report[k], (int, float), k)
            self.assertGreater(report[k], 0, k)
        self.assertLessEqual(report["step_ms_p10"], report["step_ms_median"])
        self.assertLessEqual(report["step_ms_median"], report["step_ms_p90"])
        self.assertGreaterEqual(report["step_samples"], 3)
        self.assertTrue(report["device_name"].startswith("cpu"))
        self.assertTrue(report["memory_probe"])
        self.assertIsNone(report["failed_rank"])

    def test_single_ok(self) -> None:
        code, report, err = self.runs["single_ok"]
        self.assertEqual(code, 0, err)
        self.assert_ok(report)
        assert report is not None
        self.assertEqual((report["comm_bytes_sent"], report["comm_rounds"]), (0, 0))
        self.assertIsNone(report["comm_ms_measured"])
        self.assertEqual(report["dist_backend"], "none")

    def test_two_ranks_ok(self) -> None:
        code, report, err = self.runs["two_ranks_ok"]
        self.assertEqual(code, 0, err)
        self.assert_ok(report)
        assert report is not None
        want = predicted_comm("clip", "allgather-local", 2, 20, 16, 4)
        self.assertEqual((report["comm_bytes_sent"], report["comm_bytes_received"], report["comm_rounds"]),
                         (want.bytes_sent, want.bytes_received, want.rounds))
        self.assertIsInstance(report["comm_ms_measured"], float)
        self.assertEqual(report["dist_backend"], "gloo")

    def test_torchrun_environment(self) -> None:
        code, report, err = self.runs["torchrun"]
        self.assertEqual(code, 0, err)
        self.assert_ok(report)
        assert report is not None
        want = predicted_comm("siglip", "ring-bidir", 2, 12, 16, 4)
        self.assertEqual((report["comm_bytes_sent"], report["comm_rounds"]), (want.bytes_sent, want.rounds))

    def test_killrank_fault(self) -> None:
        code, report, err = self.runs["killrank"]
        self.assertEqual(code, 0, err)
        assert report is not None
        self.assertEqual(report["status"], "error")
        self.assertEqual(report["failed_rank"], 1)
        self.assertIn("rank 1 killed by SIGKILL", report["reason"])
        self.assertEqual(report["dist_backend"], "gloo")

    def test_stoprank_fault(self) -> None:
        code, report, err = self.runs["stoprank"]
        self.assertEqual(code, 0, err)
        assert report is not None
        self.assertEqual((report["status"], report["failed_rank"]), ("timeout", 1), report["reason"])
        self.assertRegex(report["reason"], r"^rank 1 stopped answering")

    def test_exit_fault(self) -> None:
        code, report, err = self.runs["exit"]
        self.assertEqual(code, 3)
        self.assertIsNone(report)
        self.assertIn("LOSSBENCH_FAULT", err)


class JobParsing(unittest.TestCase):
    def test_valid(self) -> None:
        j = parse_job(job("clip", "naive", "ring", 2, 4))
        self.assertEqual((j.spec.n, j.spec.world, j.device, j.dtype, j.inputs_path), (8, 2, "cpu", "fp32", None))
        self.assertEqual(j.spec.id, "clip/naive/ring/N8/W2/D16")  # naive: no tile width, no c segment
        self.assertIsNone(j.spec.chunk)

    def test_invalid(self) -> None:
        bad = [{**job("clip", "naive", "ring", 2, 4), "protocol": 2},
               job("clip", "naive", "ring-bidir", 2, 4),
               job("siglip", "naive", "single", 2, 4)]
        j = job("clip", "naive", "ring", 2, 4)
        j["spec"]["n"] = 9
        bad.append(j)
        for b in bad:
            with self.assertRaises(SpecError):
                parse_job(b)


if __name__ == "__main__":
    unittest.main()
