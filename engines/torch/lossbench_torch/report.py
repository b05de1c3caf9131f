"""The worker's report (protocol 1): its fields, failure classification and the atomic write."""
from __future__ import annotations

import json
import math
import os
import re
import tempfile
from typing import Any, Dict

# As src/harness/classify.ts, plus what torch says: CUDA "out of memory", the CPU allocator's
# "can't allocate memory", Python's MemoryError.
OOM = re.compile(r"out of memory|\bOOM\b|can't allocate|could not allocate|cannot allocate|allocation failed|"
                 r"MemoryError|OutOfMemoryError|RESOURCE_EXHAUSTED", re.I)

FIELDS = ("status", "reason", "device_name", "loss_value", "step_ms_median", "step_ms_p10", "step_ms_p90",
          "step_samples", "peak_tensor_bytes", "host_rss_peak_bytes", "comm_bytes_sent", "comm_bytes_received",
          "comm_rounds", "comm_ms_measured", "comm_exposed_ms", "dist_backend", "memory_probe", "failed_rank",
          # accuracy against the float64 reference (measure/accuracy.py): relative errors and the verdict
          "err_loss", "err_dx", "err_dy", "err_dt", "err_db", "accuracy", "impl_version")


def empty_report() -> Dict[str, Any]:
    r: Dict[str, Any] = {k: None for k in FIELDS}
    r.update(status="error", reason="", device_name="", dist_backend="none", memory_probe="", accuracy="")
    return r


def one_line(e: BaseException, limit: int = 400) -> str:
    """'Type: first line of the message', short enough for a CSV cell."""
    msg = str(e).strip().splitlines()
    if msg and type(e).__name__ == "Unsupported":  # the row's status says it already
        return msg[0][:limit]
    text = f"{type(e).__name__}: {msg[0]}" if msg else type(e).__name__
    return text[:limit]


def classify(e: BaseException) -> str:
    if type(e).__name__ == "Unsupported":  # impls.contract.Unsupported (this module imports no torch)
        return "unsupported"
    if isinstance(e, MemoryError) or OOM.search(f"{type(e).__name__}: {e}"):
        return "oom"
    return "error"


def _json_safe(v: Any) -> Any:
    # NaN and ±Inf are not JSON (Node's JSON.parse rejects them): null instead
    return None if isinstance(v, float) and not math.isfinite(v) else v


def write_atomic(path: str, report: Dict[str, Any]) -> None:
    """Temp file in the same folder, then os.replace: the reader never sees half a report."""
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".report-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w") as f:
            json.dump({k: _json_safe(report.get(k)) for k in FIELDS}, f)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
