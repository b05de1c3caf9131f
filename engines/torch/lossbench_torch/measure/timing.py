"""Step timing by the rule of src/probes/timing.ts, its threshold read from the contract: `warmup` untimed
steps, then at least `samples` timed steps and more while the time budget lasts; then, while the spread
(p90 − p10)/median is wider than the contract's timing.wideSpread, one more step at a time, at most
`samples` more. Median, p10, p90 by linear interpolation. Each timed step ends with the device
synchronised, so the time covers the work, not its enqueueing."""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Callable, List, Sequence

from ..contract import contract

MAX_SAMPLES = 100_000  # a guard against a microsecond step and a long budget
WIDE_SPREAD: float = contract()["timing"]["wideSpread"]


def quantile(sorted_values: Sequence[float], q: float) -> float:
    if not sorted_values:
        return math.nan
    pos = (len(sorted_values) - 1) * q
    lo, hi = math.floor(pos), math.ceil(pos)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)


@dataclass
class StepTiming:
    median_ms: float
    p10_ms: float
    p90_ms: float
    samples: int


def relative_spread(sorted_values: Sequence[float]) -> float:
    """(p90 − p10) / median of ascending-sorted samples."""
    median = quantile(sorted_values, 0.5)
    return (quantile(sorted_values, 0.9) - quantile(sorted_values, 0.1)) / median if median > 0 else 0.0


def summarize(samples_ms: Sequence[float]) -> StepTiming:
    s = sorted(samples_ms)
    return StepTiming(quantile(s, 0.5), quantile(s, 0.1), quantile(s, 0.9), len(s))


def timed(step: Callable[[], None]) -> float:
    t0 = time.perf_counter()
    step()
    return (time.perf_counter() - t0) * 1000


def run_timed(step: Callable[[], None], warmup: int, samples: int, budget_ms: float,
              agree: Callable[[int], int] = lambda k: k) -> List[float]:
    """Per-step milliseconds. `agree` makes W ranks take the same number of steps (their collectives
    must pair up): after the minimum, each proposes how many more fit the budget, and then whether its
    spread still wants one more; all take the largest."""
    for _ in range(warmup):
        step()
    start = time.perf_counter()
    out = [timed(step) for _ in range(samples)]
    elapsed = (time.perf_counter() - start) * 1000
    per_step = max(sorted(out)[len(out) // 2], 1e-3)
    more = 0 if elapsed >= budget_ms else math.ceil((budget_ms - elapsed) / per_step)
    more = agree(min(more, MAX_SAMPLES - samples))
    out.extend(timed(step) for _ in range(more))
    for _ in range(samples):
        if not agree(1 if relative_spread(sorted(out)) > WIDE_SPREAD else 0):
            break
        out.append(timed(step))
    return out
