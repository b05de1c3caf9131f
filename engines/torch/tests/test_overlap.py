"""The overlapped rings (next round posted before computing, distributed/pending.py) against the plain
ones (one blocking round at a time), gloo on CPU at W = 3: the same loss and gradients, the same counted
traffic, and every rank's waited-for time within its time in collectives."""
from __future__ import annotations

import unittest

import support  # noqa: F401
import torch

from lossbench_torch.cases import hard_inputs
from lossbench_torch.distributed.cases import Case, run_case_sets

W, B, D, C = 3, 6, 8, 4


class OverlapTest(unittest.TestCase):
    def test_rings_overlapped_and_plain_agree(self) -> None:
        cases = [Case(loss, impl, "ring", C, hard_inputs(loss, B * W, D, 7 + i, "random", None))
                 for i, (loss, impl) in enumerate((l, m) for l in ("clip", "siglip") for m in ("naive", "chunked"))]
        on = run_case_sets({W: cases}, "cpu", timeout_s=120, overlap=True)[W]
        off = run_case_sets({W: cases}, "cpu", timeout_s=120, overlap=False)[W]
        for c, a, b in zip(cases, on, off):
            with self.subTest(loss=c.loss, impl=c.impl):
                for name in ("loss", "dx", "dy", "dt", "db"):
                    x, y = getattr(a.result, name), getattr(b.result, name)
                    if x is None:
                        self.assertIsNone(y)
                        continue
                    torch.testing.assert_close(x, y, rtol=1e-5, atol=1e-6)
                self.assertEqual(a.ledgers, b.ledgers)
                for total, exposed in a.comm_ms + b.comm_ms:  # type: ignore[operator]
                    self.assertGreater(total, 0.0)
                    self.assertLessEqual(exposed, total + 1e-9)
                for total, exposed in b.comm_ms:  # type: ignore[union-attr]
                    self.assertAlmostEqual(exposed, total, places=6)  # plain: the step waits for all of it


if __name__ == "__main__":
    unittest.main()
