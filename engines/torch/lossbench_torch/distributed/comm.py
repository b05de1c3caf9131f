"""One rank's collectives, counted and timed (in the spirit of open_clip's loss.py helpers).

What this rank sends and receives and how many rounds (latencies) it takes is counted by the one
counter of torch.distributed (counting.py: the tensors each call really moves, NCCL and gloo alike; a
collective as its ring algorithm), per collective kind and phase (fwd/bwd), into a ledger. Each call adds
its synchronised wall time to a per-step communication time, and the part of it the step waited for
(exposed: all of a blocking collective; of a round posted ahead, only the wait for it, see pending.py).
Third-party implementations calling torch.distributed themselves are counted on the same ledger. With
world 1 every collective is the identity and nothing is counted, so strategies also run without a
process group.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, TypeVar

import torch
import torch.distributed as dist

from . import counting
from .pending import Pending

T = TypeVar("T")


@dataclass
class Traffic:
    sent: int = 0
    received: int = 0
    rounds: int = 0


class Ledger:
    def __init__(self) -> None:
        self.by_kind: Dict[str, Dict[str, Traffic]] = {}

    def add(self, kind: str, phase: str, sent: int, received: int, rounds: int) -> None:
        tr = self.by_kind.setdefault(kind, {"fwd": Traffic(), "bwd": Traffic()})[phase]
        tr.sent += sent
        tr.received += received
        tr.rounds += rounds

    def totals(self) -> Traffic:
        out = Traffic()
        for phases in self.by_kind.values():
            for tr in phases.values():
                out.sent += tr.sent
                out.received += tr.received
                out.rounds += tr.rounds
        return out

    def as_dict(self) -> Dict[str, Dict[str, Dict[str, int]]]:
        return {k: {ph: vars(tr).copy() for ph, tr in v.items()} for k, v in self.by_kind.items()}


def nbytes(t: torch.Tensor) -> int:
    return t.numel() * t.element_size()


class Comm:
    def __init__(self, rank: int, world: int, device: torch.device, backend: Optional[str], group: Any = None) -> None:
        """group: a process group of global ranks 0..world−1 (None: the default group), so that one
        spawned set of ranks can also serve smaller worlds (the tests do)."""
        self.rank, self.world, self.device, self.backend, self.group = rank, world, device, backend, group
        self.ledger = Ledger()
        self.ms = 0.0
        self.exposed_ms = 0.0
        # overlapped rings post their next round before computing on the block they hold (ring_post)
        self.overlap = True
        # gloo's send/recv take host memory: CUDA tensors are staged through the host (all-gather
        # handles CUDA tensors itself).
        self._stage = backend == "gloo" and device.type == "cuda"
        if world > 1:
            counting.attach(self)

    def reset(self) -> None:
        """Start of a step: a fresh ledger and communication time."""
        self.ledger = Ledger()
        self.ms = 0.0
        self.exposed_ms = 0.0

    def peer(self, step: int) -> int:
        return (self.rank + step) % self.world

    def _sync(self) -> None:
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)

    def _timed(self, fn: Callable[[], T]) -> T:
        self._sync()  # queued compute is not communication
        t0 = time.perf_counter()
        out = fn()
        self._sync()
        ms = (time.perf_counter() - t0) * 1000
        self.ms += ms
        self.exposed_ms += ms  # a blocking collective: the step waits for all of it
        return out

    def _counted(self, kind: str, phase: str, fn: Callable[[], T], rounds: Optional[int] = None) -> T:
        """fn's collectives, counted as `kind` in `phase` (rounds: per call, as the counter says, unless
        given), and timed as blocking."""
        with counting.label(kind, phase, rounds):
            return self._timed(fn)

    # ---- point to point ----

    def _post(self, sends: Sequence[Tuple[torch.Tensor, int, int]],
              recvs: Sequence[Tuple[torch.Tensor, int, int]]) -> Tuple[List[Any], List[torch.Tensor]]:
        """Posts one round of batched isend/irecv: sends (tensor, peer, tag), recvs (like-tensor, peer, tag);
        returns the works and the receive buffers. Tags pair each send with its receive."""
        host = torch.device("cpu")
        ops, bufs = [], []
        for t, peer, tag in sends:
            src = t.detach().contiguous()
            ops.append(dist.P2POp(dist.isend, src.to(host) if self._stage else src, peer, self.group, tag))
        for like, peer, tag in recvs:
            buf = torch.empty(like.shape, dtype=like.dtype, device=host if self._stage else like.device)
            bufs.append(buf)
            ops.append(dist.P2POp(dist.irecv, buf, peer, self.group, tag))
        return dist.batch_isend_irecv(ops), bufs

    def _arrived(self, bufs: List[torch.Tensor]) -> List[torch.Tensor]:
        return [b.to(self.device) for b in bufs] if self._stage else bufs

    def _exchange(self, sends: Sequence[Tuple[torch.Tensor, int, int]],
                  recvs: Sequence[Tuple[torch.Tensor, int, int]]) -> List[torch.Tensor]:
        """One blocking round (see _post); returns the received tensors on this rank's device."""
        works, bufs = self._post(sends, recvs)
        for work in works:
            work.wait()
        return self._arrived(bufs)

    def ring_post(self, ts: Sequence[torch.Tensor], phase: str, tag: int = 0, rounds: int = 1,
                  kind: str = "ring", step: int = 1) -> "PostedShift":
        """Sends ts to the rank `step` places on and receives the same shapes from `step` places back:
        posted ahead when self.overlap (its wait() returns the received tensors), else done at once. `tag`
        keeps two rounds in flight apart; `rounds`: latencies it adds to the ledger (0 for a message that
        travels beside another round's)."""
        if self.world == 1:
            return PostedShift(self, list(ts), None)
        to, frm = self.peer(step), self.peer(-step)
        sends = [(t, to, tag + i) for i, t in enumerate(ts)]
        recvs = [(t, frm, tag + i) for i, t in enumerate(ts)]
        return self._round(kind, phase, sends, recvs, rounds)

    def bidir_post(self, to_right: torch.Tensor, to_left: torch.Tensor, phase: str) -> "PostedShift":
        """One two-way round (kind ring-bidir): to_right goes to rank+1, to_left to rank−1, posted ahead
        when self.overlap; its wait() returns [from_left, from_right]."""
        right, left = self.peer(1), self.peer(-1)
        return self._round("ring-bidir", phase, [(to_right, right, 0), (to_left, left, 1)],
                           [(to_right, left, 0), (to_left, right, 1)], 1)

    def _round(self, kind: str, phase: str, sends: Sequence[Tuple[torch.Tensor, int, int]],
               recvs: Sequence[Tuple[torch.Tensor, int, int]], rounds: int) -> "PostedShift":
        if not self.overlap:
            return PostedShift(self, self._counted(kind, phase, lambda: self._exchange(sends, recvs), rounds), None)
        with counting.label(kind, phase, rounds):
            works, bufs = self._post(sends, recvs)
        return PostedShift(self, None, Pending(works, bufs, self._arrived, self.device))

    # ---- collectives ----

    def all_gather(self, t: torch.Tensor, phase: str) -> torch.Tensor:
        """Rows of every rank concatenated in rank order (W·b × D)."""
        if self.world == 1:
            return t

        def run() -> torch.Tensor:
            parts = [torch.empty_like(t) for _ in range(self.world)]
            # list form: all_gather_into_tensor is missing on gloo in 1.13 (and from torch itself before 2.0)
            dist.all_gather(parts, t.contiguous(), group=self.group)
            return torch.cat(parts)

        return self._counted("all-gather", phase, run)

    def reduce_scatter(self, t: torch.Tensor, phase: str) -> torch.Tensor:
        """Σ over ranks of t (W·b × D), this rank's block of rows."""
        if self.world == 1:
            return t
        chunks = [c.contiguous() for c in t.chunk(self.world)]
        if self.backend == "nccl":
            out = torch.empty_like(chunks[0])
            self._counted("reduce-scatter", phase, lambda: dist.reduce_scatter(out, chunks, group=self.group))
            return out
        return self._ring_reduce_scatter(chunks, phase)

    def _ring_reduce_scatter(self, chunks: List[torch.Tensor], phase: str) -> torch.Tensor:
        """gloo has no reduce_scatter: the ring algorithm by point-to-point rounds. The accumulator of
        block j starts on rank j+1, moves one place on per round, each rank adding its part; after W−1
        rounds it is home. (W−1) blocks sent and received, W−1 rounds."""
        k, W = self.rank, self.world
        acc = chunks[(k - 1) % W]
        for s in range(1, W):
            (recv,) = self._counted("reduce-scatter", phase,
                                    lambda: self._exchange([(acc, self.peer(1), 0)], [(acc, self.peer(-1), 0)]))
            acc = recv + chunks[(k - s - 1) % W]
        return acc

    # ---- outside the step (neither counted nor timed) ----

    def agree_max(self, values: Sequence[int]) -> List[int]:
        """Element-wise max over ranks, so that every rank takes the same decisions (sample counts, errors)."""
        if self.world == 1:
            return list(values)
        dev = self.device if self.backend == "nccl" else torch.device("cpu")
        t = torch.tensor(list(values), dtype=torch.int64, device=dev)
        with counting.uncounted():
            dist.all_reduce(t, op=dist.ReduceOp.MAX, group=self.group)
        return [int(v) for v in t.tolist()]


class PostedShift:
    """A ring round in flight (or, without overlap, already done)."""

    def __init__(self, comm: Comm, done: Optional[List[torch.Tensor]], pending: Optional[Pending]) -> None:
        self._comm, self._done, self._pending = comm, done, pending

    def wait(self) -> List[torch.Tensor]:
        if self._pending is not None:
            a = self._pending.wait()
            self._comm.ms += a.total_ms
            self._comm.exposed_ms += a.exposed_ms
            self._done, self._pending = a.tensors, None
        assert self._done is not None
        return self._done
