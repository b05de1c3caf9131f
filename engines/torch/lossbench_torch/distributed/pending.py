"""A point-to-point round posted ahead: its transfers run while the rank computes, and the step waits
for them only when it needs what they bring (Inf-CL's and memeff's overlapped rings).

Two times per round: how long the transfers themselves took (post to completion, seen by a helper thread
that waits on them: gloo's wait releases the GIL; NCCL's completion is polled, as its wait only orders
streams) and how long the rank waited for them (the exposed part: on CUDA, from the end of the queued
compute to the received tensors being ready)."""
from __future__ import annotations

import threading
import time
from typing import Any, Callable, List, Optional

import torch


class Pending:
    def __init__(self, works: List[Any], bufs: List[torch.Tensor], finish: Callable[[List[torch.Tensor]], List[torch.Tensor]],
                 device: torch.device) -> None:
        self._works, self._bufs, self._finish, self._device = works, bufs, finish, device
        self._posted = time.perf_counter()
        self._done_at: Optional[float] = None
        self._error: Optional[BaseException] = None
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        try:
            if self._device.type == "cuda":
                while not all(w.is_completed() for w in self._works):
                    time.sleep(20e-6)
            else:
                for w in self._works:
                    w.wait()
        except BaseException as e:  # noqa: BLE001 - handed to the waiting rank
            self._error = e
        self._done_at = time.perf_counter()

    def wait(self) -> "Arrived":
        """Blocks until the round has arrived; the tensors and both times."""
        if self._device.type == "cuda":
            torch.cuda.current_stream(self._device).synchronize()  # the compute queued before is not waiting
        t0 = time.perf_counter()
        self._thread.join()
        if self._error is not None:
            raise self._error
        if self._device.type == "cuda":
            for w in self._works:  # the watcher only polled: order the compute stream after the transfers
                w.wait()
        out = self._finish(self._bufs)  # (a gloo work is waited once: a second wait would block)
        if self._device.type == "cuda":
            torch.cuda.current_stream(self._device).synchronize()
        t1 = time.perf_counter()
        done = self._done_at if self._done_at is not None else t1
        total, exposed = (done - self._posted) * 1000, (t1 - t0) * 1000
        # the watcher's wake-up can come after the wait began: the transfer took at least what was waited
        return Arrived(out, total_ms=max(total, exposed), exposed_ms=exposed)


class Arrived:
    def __init__(self, tensors: List[torch.Tensor], total_ms: float, exposed_ms: float) -> None:
        self.tensors, self.total_ms, self.exposed_ms = tensors, total_ms, exposed_ms
