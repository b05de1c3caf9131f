"""The one counter of what torch.distributed moves, for every implementation (lossbench's own and third-party).

`install()` wraps the collectives of the `torch.distributed` namespace — all_gather, all_gather_into_tensor,
all_reduce, reduce_scatter, reduce_scatter_tensor, scatter, all_to_all, send, recv, isend, irecv and
batch_isend_irecv — and the `torch.distributed.nn` functionals reach them through it. Each call that
moves data is recorded on the active ledger with the bytes its tensors really hold (never a formula of
the scenario): a collective of W ranks as the ring algorithm NCCL and gloo run — all-gather and
reduce-scatter (W−1)·block each way in W−1 rounds, all-reduce 2(W−1)/W of the tensor in 2(W−1) rounds —
point-to-point as the bytes handed to each send and receive, one round per call (per batch for
batch_isend_irecv). Calls made inside another counted call (torch's own nesting) are not counted twice.

Who records: the `Comm` of this rank attaches itself (`attach`); its own calls run in a `label(kind,
phase)` scope that names them as the strategy tables do (ring, ring-bidir, all-gather, reduce-scatter);
the Comm times them (a round posted ahead counts when posted). Calls outside a label (third-party code) are named by their collective (all-gather,
all-reduce, p2p, ...), phased fwd or bwd by whether autograd's backward is running, and timed one by one
with the device synchronised around them.
"""
from __future__ import annotations

import contextlib
import functools
import time
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

import torch
import torch.distributed as dist

# How a call is counted: its (sent, received, rounds) from the call's own arguments.
Counter = Callable[..., Tuple[int, int, int]]


def nbytes(t: Any) -> int:
    return int(t.numel() * t.element_size()) if isinstance(t, torch.Tensor) else 0


def _world(group: Any) -> int:
    return dist.get_world_size(group)


def _arg(args: Tuple[Any, ...], kwargs: Dict[str, Any], i: int, name: str, default: Any = None) -> Any:
    return args[i] if len(args) > i else kwargs.get(name, default)


def _gather_list(*a: Any, **k: Any) -> Tuple[int, int, int]:  # all_gather(tensor_list, tensor, group)
    w1, t = _world(_arg(a, k, 2, "group")) - 1, _arg(a, k, 1, "tensor")
    return w1 * nbytes(t), w1 * nbytes(t), w1


def _gather_tensor(*a: Any, **k: Any) -> Tuple[int, int, int]:  # all_gather_into_tensor(out, in, group)
    w1, t = _world(_arg(a, k, 2, "group")) - 1, _arg(a, k, 1, "input_tensor")
    return w1 * nbytes(t), w1 * nbytes(t), w1


def _reduce_scatter(*a: Any, **k: Any) -> Tuple[int, int, int]:  # reduce_scatter(out, list | in, op, group)
    w1, out = _world(_arg(a, k, 3, "group")) - 1, _arg(a, k, 0, "output")
    return w1 * nbytes(out), w1 * nbytes(out), w1


def _all_reduce(*a: Any, **k: Any) -> Tuple[int, int, int]:  # all_reduce(tensor, op, group)
    w, t = _world(_arg(a, k, 2, "group")), _arg(a, k, 0, "tensor")
    moved = 2 * (w - 1) * nbytes(t) // w
    return moved, moved, 2 * (w - 1)


def _scatter(*a: Any, **k: Any) -> Tuple[int, int, int]:  # scatter(out, scatter_list, src, group)
    out, src, group = _arg(a, k, 0, "tensor"), _arg(a, k, 2, "src", 0), _arg(a, k, 3, "group")
    if dist.get_rank(group) == src:
        return (_world(group) - 1) * nbytes(out), 0, 1
    return 0, nbytes(out), 1


def _all_to_all(*a: Any, **k: Any) -> Tuple[int, int, int]:  # all_to_all(out_list, in_list, group)
    outs, ins, group = _arg(a, k, 0, "output_tensor_list"), _arg(a, k, 1, "input_tensor_list"), _arg(a, k, 2, "group")
    me = dist.get_rank(group)
    sent = sum(nbytes(t) for i, t in enumerate(ins) if i != me)
    received = sum(nbytes(t) for i, t in enumerate(outs) if i != me)
    return sent, received, _world(group) - 1


def _send(*a: Any, **k: Any) -> Tuple[int, int, int]:
    return nbytes(_arg(a, k, 0, "tensor")), 0, 1


def _recv(*a: Any, **k: Any) -> Tuple[int, int, int]:
    return 0, nbytes(_arg(a, k, 0, "tensor")), 1


def _batch(ops: List[Any]) -> Tuple[int, int, int]:
    sends = (_ORIGINAL.get("isend"), dist.isend)
    sent = sum(nbytes(p.tensor) for p in ops if p.op in sends)
    received = sum(nbytes(p.tensor) for p in ops if p.op not in sends)
    return sent, received, 1


COUNTED: Dict[str, Tuple[str, Counter]] = {
    "all_gather": ("all-gather", _gather_list),
    "all_gather_into_tensor": ("all-gather", _gather_tensor),
    "_all_gather_base": ("all-gather", _gather_tensor),
    "reduce_scatter": ("reduce-scatter", _reduce_scatter),
    "reduce_scatter_tensor": ("reduce-scatter", _reduce_scatter),
    "_reduce_scatter_base": ("reduce-scatter", _reduce_scatter),
    "all_reduce": ("all-reduce", _all_reduce),
    "scatter": ("scatter", _scatter),
    "all_to_all": ("all-to-all", _all_to_all),
    "send": ("p2p", _send),
    "recv": ("p2p", _recv),
    "isend": ("p2p", _send),
    "irecv": ("p2p", _recv),
}

_ORIGINAL: Dict[str, Callable[..., Any]] = {}


class _State:
    def __init__(self) -> None:
        self.target: Optional[Any] = None  # the attached Comm: .ledger.add(...), .ms, .device
        self.depth = 0  # > 0 inside a counted call (torch's own nesting is not counted again)
        self.label: Optional[Tuple[str, str, Optional[int]]] = None


_state = _State()


def attach(comm: Any) -> None:
    """From now on, what this process's collectives move is recorded on comm's ledger."""
    install()
    _state.target = comm


def detach(comm: Any) -> None:
    if _state.target is comm:
        _state.target = None


def _phase() -> str:
    return "bwd" if torch._C._current_graph_task_id() != -1 else "fwd"


def _sync() -> None:
    t = _state.target
    if t is not None and t.device.type == "cuda":
        torch.cuda.synchronize(t.device)


def _record(kind: str, counted: Tuple[int, int, int]) -> None:
    t = _state.target
    if t is None:
        return
    sent, received, rounds = counted
    if _state.label is not None:
        kind, phase, fixed = _state.label
        rounds = rounds if fixed is None else fixed
    else:
        phase = _phase()
    t.ledger.add(kind, phase, sent, received, rounds)


def _add_ms(ms: float) -> None:
    """A third-party collective's time: communication, and exposed (the step waited for it)."""
    t = _state.target
    t.ms += ms
    if hasattr(t, "exposed_ms"):
        t.exposed_ms += ms


def _wrap(name: str, kind: str, count: Counter) -> Callable[..., Any]:
    original = _ORIGINAL[name]

    @functools.wraps(original)
    def counted(*args: Any, **kwargs: Any) -> Any:
        if _state.depth or _state.target is None:
            return original(*args, **kwargs)
        timed = _state.label is None  # labelled calls are lossbench's own: Comm times them
        if timed:
            _sync()
        t0 = time.perf_counter()
        _state.depth += 1
        try:
            out = original(*args, **kwargs)
        finally:
            _state.depth -= 1
        if timed:
            _sync()
            _add_ms((time.perf_counter() - t0) * 1000)
        _record(kind, count(*args, **kwargs))
        return out

    return counted


def _wrap_batch() -> Callable[..., Any]:
    original = _ORIGINAL["batch_isend_irecv"]

    @functools.wraps(original)
    def counted(p2p_op_list: List[Any]) -> Any:
        if _state.depth or _state.target is None:
            return original(p2p_op_list)
        timed = _state.label is None
        if timed:
            _sync()
        t0 = time.perf_counter()
        _state.depth += 1
        try:
            works = original(p2p_op_list)
        finally:
            _state.depth -= 1
        if timed:
            _sync()
            _add_ms((time.perf_counter() - t0) * 1000)  # launch only: its waits are the caller's
        _record("p2p", _batch(p2p_op_list))
        return works

    return counted


def install() -> None:
    """Wraps the collectives once per process (idempotent). isend and irecv are replaced in torch's own
    module as well: P2POp and batch_isend_irecv tell sends from receives by identity with them."""
    if _ORIGINAL:
        return
    from torch.distributed import distributed_c10d as c10d

    for name in list(COUNTED) + ["batch_isend_irecv"]:
        if hasattr(dist, name):
            _ORIGINAL[name] = getattr(dist, name)
    for name, (kind, count) in COUNTED.items():
        if name in _ORIGINAL:
            setattr(dist, name, _wrap(name, kind, count))
            if name in ("isend", "irecv"):
                setattr(c10d, name, getattr(dist, name))
    setattr(dist, "batch_isend_irecv", _wrap_batch())


@contextlib.contextmanager
def uncounted() -> Iterator[None]:
    """Collectives outside the step (agreements between ranks): neither counted nor timed."""
    _state.depth += 1
    try:
        yield
    finally:
        _state.depth -= 1


@contextlib.contextmanager
def label(kind: str, phase: str, rounds: Optional[int] = None) -> Iterator[None]:
    """The collectives inside are recorded as `kind` in `phase` (lossbench's own strategies, whose Comm times
    them); `rounds`, when given, replaces the latencies each call counts (0 for a message that travels
    beside another round's)."""
    prior = _state.label
    _state.label = (kind, phase, rounds)
    try:
        yield
    finally:
        _state.label = prior
