"""`overhead`: what the harness adds to a step, measured (issue 17's target: under 3 % of a bare loop).

For each N, one device, in one process and on the same inputs, alternately for `rounds` rounds:
- bare: `steps` calls of the step function back to back (the implementation with its inputs bound, as the
  worker builds it: measure/rank.py step_fn), the device synchronised once at the end, the tightest loop a
  user could write: the block's time / steps;
- harness: `steps` of the worker's own timed samples (measure/rank.py timed_step_of and timing.run_timed:
  the step, the device synchronised, the collectives' times kept, a timer around each): the block's time /
  steps, and the median sample (what a row reports).
Alternating puts clock and thermal drift on both. Prints one JSON line per N, the medians over the rounds:
bare_ms, harness_ms (both block time per step), harness_median_ms, and overhead = harness_ms / bare_ms − 1
(measured, per step; the worker's start-up and its probes outside the timed samples are not per step)."""
from __future__ import annotations

import json
import statistics
import sys
import time
from typing import Dict, List, Optional

from .. import precision
from ..distributed.comm import Comm
from ..inputs import seeded
from ..measure.device import device_name, resolve, sync
from ..measure.rank import step_fn, timed_step_of
from ..measure.timing import run_timed
from ..spec import Job, Spec


def measure(loss: str, impl: str, n: int, dim: int, chunk: Optional[int], device: str, dtype: str, steps: int,
            rounds: int) -> Dict[str, object]:
    dev = resolve(device)
    precision.configure(dtype, dev.type)
    spec = Spec(loss, impl, "single", n, 1, n, dim, None if impl == "naive" else chunk, seed=1)
    comm = Comm(0, 1, dev, None)
    step = step_fn(Job(spec, device, dtype, None), comm, seeded(loss, n, dim, 1).to(dev))
    comm_ms: List[float] = []
    harness_step = timed_step_of(step, comm, comm_ms, [])
    for _ in range(3):
        step()
    sync(dev)
    bare: List[float] = []
    harness: List[float] = []
    medians: List[float] = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        for _ in range(steps):
            step()
        sync(dev)
        bare.append((time.perf_counter() - t0) * 1000 / steps)
        t0 = time.perf_counter()
        medians.append(statistics.median(run_timed(harness_step, 0, steps, 0.0, lambda k: 0)))
        harness.append((time.perf_counter() - t0) * 1000 / steps)
    b, h = statistics.median(bare), statistics.median(harness)
    return {"loss": loss, "impl": impl, "n": n, "dim": dim, "chunk": spec.chunk, "device": device_name(dev),
            "dtype": dtype, "steps": steps, "rounds": rounds, "bare_ms": b, "harness_ms": h,
            "harness_median_ms": statistics.median(medians), "overhead": h / b - 1, "bare_rounds_ms": bare,
            "harness_rounds_ms": harness}


def main(loss: str, impl: str, sizes: List[int], dim: int, chunk: int, device: str, dtype: str, steps: int,
         rounds: int) -> int:
    for n in sizes:
        r = measure(loss, impl, n, dim, chunk, device, dtype, steps, rounds)
        print(json.dumps(r), flush=True)
        sys.stderr.write(f"{loss}/{impl} N={n}: bare {r['bare_ms']:.3f} ms, harness {r['harness_ms']:.3f} ms "
                         f"per step: overhead {100 * float(r['overhead']):+.2f} % (measured)\n")
    return 0
