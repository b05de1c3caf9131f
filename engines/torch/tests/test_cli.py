"""The non-worker commands in process: info's JSON, step's output file, its argument checks; overhead's line."""
from __future__ import annotations

import contextlib
import io
import json
import os
import tempfile
import unittest

import support  # noqa: F401

from lossbench_torch import cli
from lossbench_torch.cases import hard_inputs
from lossbench_torch.inputs import _floats, to_bytes, write
from lossbench_torch.losses import loss_step


def run_cli(*argv: str) -> tuple:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(list(argv))
    return code, out.getvalue(), err.getvalue()


class Cli(unittest.TestCase):
    def test_info(self) -> None:
        code, out, _ = run_cli("info")
        self.assertEqual(code, 0)
        info = json.loads(out)
        for k in ("python_version", "python_executable", "torch_version", "cuda_available", "cuda_version",
                  "nccl_version", "gloo_available", "gpu_names", "gpu_count", "nvidia_smi_topo"):
            self.assertIn(k, info)

    def test_overhead_times_bare_and_harness_alike(self) -> None:
        code, out, err = run_cli("overhead", "--loss", "clip", "--impl", "chunked", "--n", "32,48", "--dim", "8",
                                 "--chunk", "16", "--steps", "3", "--rounds", "2")
        self.assertEqual(code, 0, err)
        lines = [json.loads(line) for line in out.splitlines()]
        self.assertEqual([r["n"] for r in lines], [32, 48])
        for r in lines:
            self.assertEqual((r["chunk"], len(r["bare_rounds_ms"]), len(r["harness_rounds_ms"])), (16, 2, 2))
            self.assertTrue(0 < r["bare_ms"] < 1e4 and 0 < r["harness_ms"] < 1e4 and 0 < r["harness_median_ms"])
            self.assertAlmostEqual(r["overhead"], r["harness_ms"] / r["bare_ms"] - 1)
        self.assertRegex(err, r"clip/chunked N=48: bare [0-9.]+ ms, harness [0-9.]+ ms per step: overhead [+-]")

    def test_step_writes_loss_and_gradients(self) -> None:
        inp = hard_inputs("siglip", 12, 8, 4)
        with tempfile.TemporaryDirectory() as tmp:
            src, dst = os.path.join(tmp, "in.bin"), os.path.join(tmp, "out.bin")
            write(src, inp)
            code, out, err = run_cli("step", "--inputs", src, "--loss", "siglip", "--impl", "chunked",
                                     "--chunk", "5", "--dim", "8", "--out", dst)
            self.assertEqual(code, 0, err)
            with open(dst, "rb") as f:
                got = f.read()
        r = loss_step("siglip", "chunked", 5)(inp)
        self.assertEqual(len(got), 4 * (1 + 2 * 12 * 8 + 2))
        self.assertEqual(got, to_bytes(r.loss, r.dx, r.dy, r.dt, r.db))  # type: ignore[arg-type]
        self.assertAlmostEqual(json.loads(out)["loss"], float(_floats(got[:4])[0]))

    def test_step_rejects_bad_arguments(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            src = os.path.join(tmp, "in.bin")
            write(src, hard_inputs("clip", 6, 4, 1))
            for extra in ([], ["--dim", "5"], ["--dim", "4", "--strategy", "allgather"]):
                code, _, err = run_cli("step", "--inputs", src, "--loss", "clip", "--impl", "naive", *extra)
                self.assertEqual(code, 1, extra)
                self.assertIn("error", err)


if __name__ == "__main__":
    unittest.main()
