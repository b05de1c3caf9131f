"""The timing rule of src/probes/timing.ts (its threshold from the contract), without torch: a wide spread
gets more samples, one at a time, at most `samples` more; a tight one keeps its few; ranks agree."""
from __future__ import annotations

import os
import sys
import unittest
from typing import Iterator, List

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from lossbench_torch.measure import timing  # noqa: E402


class TimingRule(unittest.TestCase):
    def run_with(self, times: List[float], samples: int, agree=lambda k: k) -> List[float]:
        it: Iterator[float] = iter(times)
        saved = timing.timed
        timing.timed = lambda step: next(it)  # type: ignore[assignment]
        try:
            return timing.run_timed(lambda: None, 0, samples, 0, agree)
        finally:
            timing.timed = saved  # type: ignore[assignment]

    def test_threshold_from_the_contract(self) -> None:
        self.assertEqual(timing.WIDE_SPREAD, 0.2)

    def test_wide_spread_gets_more_samples(self) -> None:
        self.assertEqual(len(self.run_with([10.0, 30.0, 10.0, 30.0, 10.0, 30.0, 10.0], 3)), 6)  # 3 + at most 3
        # stops once the spread is narrow: 10, 13, 10 (24 %) and 10, 13, 10, 10 (21 %) are wide, five are not
        out = self.run_with([10.0, 13.0, 10.0, 10.0, 10.0, 10.0, 10.0], 3)
        self.assertEqual(len(out), 5)
        self.assertLessEqual(timing.relative_spread(sorted(out)), timing.WIDE_SPREAD)

    def test_tight_spread_keeps_its_samples(self) -> None:
        self.assertEqual(len(self.run_with([10.0, 10.1, 10.0, 99.0], 3)), 3)

    def test_ranks_agree(self) -> None:
        # another rank still wants a sample (agree returns the max): this one takes it too
        answers = iter([0, 1, 1, 1])  # no more for the budget, then three times "one more" from another rank
        self.assertEqual(len(self.run_with([10.0] * 6, 3, agree=lambda k: next(answers))), 6)


if __name__ == "__main__":
    unittest.main()
