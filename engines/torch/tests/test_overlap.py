"""The overlapped rings (next round posted before computing, distributed/pending.py) against the plain
ones (one blocking round at a time), gloo on CPU: clip/ring and siglip/ring at W = 3, siglip/ring-bidir
at W = 2, 3, 4 (one-way round, two-way only, both): the same loss and gradients, the same counted
traffic, and every rank's waited-for time within its time in collectives."""
from __future__ import annotations

import unittest
from typing import Dict, List

import support  # noqa: F401
import torch

from lossbench_torch.cases import hard_inputs
from lossbench_torch.distributed.cases import Case, CaseResult, run_case_sets

B, D, C = 6, 8, 4
IMPLS = ("naive", "chunked")


def _cases() -> Dict[int, List[Case]]:
    sets: Dict[int, List[Case]] = {2: [], 3: [], 4: []}
    seed = 7
    for world, cases in sets.items():
        runs = [("siglip", "ring-bidir")] + ([("clip", "ring"), ("siglip", "ring")] if world == 3 else [])
        for loss, strategy in runs:
            for impl in IMPLS:
                seed += 1
                cases.append(Case(loss, impl, strategy, C, hard_inputs(loss, B * world, D, seed, "random", None)))
    return sets


class OverlapTest(unittest.TestCase):
    def test_rings_overlapped_and_plain_agree(self) -> None:
        sets = _cases()
        on = run_case_sets(sets, "cpu", timeout_s=120, overlap=True)
        off = run_case_sets(sets, "cpu", timeout_s=120, overlap=False)
        for world, cases in sets.items():
            for c, a, b in zip(cases, on[world], off[world]):
                with self.subTest(world=world, loss=c.loss, strategy=c.strategy, impl=c.impl):
                    self.check(a, b)

    def check(self, a: CaseResult, b: CaseResult) -> None:
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
