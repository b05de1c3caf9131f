"""Peak memory of one step, over what was live before it (inputs), outputs included.

CUDA: the caching allocator's max_memory_allocated after reset_peak_memory_stats.
CPU: the profiler's memory events (every CPU allocation and free, in order: the running sum's peak);
if they are unavailable, the process's resident-set high-water mark (VmHWM, reset through
/proc/self/clear_refs) over its RSS before the step — coarser (allocator caching, page granularity)."""
from __future__ import annotations

import resource
import sys
from typing import Any, Callable, Optional, Tuple

import torch

from .device import sync


def measure_peak(step: Callable[[], Any], device: torch.device) -> Tuple[int, str]:
    """(peak bytes, how it was measured) of one call of step."""
    if device.type == "cuda":
        return _cuda_peak(step, device), "cuda max_memory_allocated"
    peak = _profiler_peak(step)
    if peak is not None:
        return peak, "torch profiler memory events"
    return _rss_peak(step), "host RSS high-water mark delta"


def _cuda_peak(step: Callable[[], Any], device: torch.device) -> int:
    sync(device)
    torch.cuda.reset_peak_memory_stats(device)
    base = torch.cuda.memory_allocated(device)
    out = step()
    sync(device)
    peak = torch.cuda.max_memory_allocated(device) - base
    del out
    return int(peak)


def _profiler_peak(step: Callable[[], Any]) -> Optional[int]:
    try:
        from torch.profiler import ProfilerActivity, profile

        with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
            out = step()
            del out  # frees after the peak do not lower it
        # Raw events (1.13 and 2.x): '[memory]' ones carry the bytes allocated (+) or freed (−).
        events = [e for e in prof.profiler.kineto_results.events() if e.name() == "[memory]"]
    except Exception:  # noqa: BLE001 - any profiler trouble: fall back
        return None
    if not events:
        return None
    live = peak = 0
    for e in sorted(events, key=_start_ns):
        if e.device_type() != torch.autograd.DeviceType.CPU:
            continue
        live += e.nbytes()
        peak = max(peak, live)
    return peak


def _start_ns(e: Any) -> int:
    """An event's start: start_ns() on torch ≥ 2.4, start_us() before."""
    return e.start_ns() if hasattr(e, "start_ns") else e.start_us() * 1000


def _read_status(field: str) -> Optional[int]:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _rss_peak(step: Callable[[], Any]) -> int:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # resets VmHWM to the current RSS
    except OSError:
        pass
    before = _read_status("VmRSS") or 0
    out = step()
    hwm = _read_status("VmHWM") or 0
    del out
    return max(hwm - before, 0)


def host_rss_peak_bytes() -> int:
    """This process's peak RSS (ru_maxrss is KiB on Linux, bytes on macOS)."""
    v = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(v if sys.platform == "darwin" else v * 1024)
