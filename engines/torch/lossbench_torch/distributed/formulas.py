"""The analytic traffic of each strategy per device per step, transcribed from the TypeScript
src/distributed/formulas.ts (commit 7def058). Units: E = s·b·D bytes (one device's feature block).
The counted collectives (comm.py) must report exactly these numbers; the tests hold them to it."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict

KINDS = ("all-gather", "reduce-scatter", "ring", "ring-bidir")
PHASES = ("fwd", "bwd")


@dataclass(frozen=True)
class Phase:
    blocks: int  # bytes sent (= received) per device, in multiples of E
    rounds: int


Formula = Dict[str, Dict[str, Phase]]  # kind → phase → traffic

NONE = Phase(0, 0)


def comm_formula(loss: str, strategy: str, world: int) -> Formula:
    w1 = world - 1
    key = f"{loss}/{strategy}"
    if key in ("clip/single", "siglip/single"):
        return {}
    if key == "clip/allgather-global":  # all-gather x and y
        return {"all-gather": {"fwd": Phase(2 * w1, 2 * w1), "bwd": NONE}}
    if key == "clip/allgather-local":  # all-gather x, y; reduce-scatter d x_all, d y_all
        return {"all-gather": {"fwd": Phase(2 * w1, 2 * w1), "bwd": NONE},
                "reduce-scatter": {"fwd": NONE, "bwd": Phase(2 * w1, 2 * w1)}}
    if key == "clip/ring":  # [x, y] W−1 hops fwd; again with [dx, dy] accumulators bwd, the last hop alone
        return {"ring": {"fwd": Phase(2 * w1, w1), "bwd": Phase(4 * w1, world if world > 1 else 0)}}
    if key == "siglip/allgather":
        return {"all-gather": {"fwd": Phase(w1, w1), "bwd": NONE},
                "reduce-scatter": {"fwd": NONE, "bwd": Phase(w1, w1)}}
    if key == "siglip/ring":
        return {"ring": {"fwd": Phase(w1, w1), "bwd": Phase(w1, w1)}}
    if key == "siglip/ring-bidir":
        bidir, odd = w1 // 2, w1 % 2
        return {"ring-bidir": {"fwd": Phase(2 * bidir, bidir), "bwd": Phase(2 * bidir, bidir)},
                "ring": {"fwd": Phase(odd, odd), "bwd": Phase(odd, odd)}}
    raise ValueError(f"unknown strategy {key}")


@dataclass(frozen=True)
class CommBytes:
    bytes_sent: int
    bytes_received: int
    rounds: int


def predicted_comm(loss: str, strategy: str, world: int, local_batch: int, dim: int, bytes_per_element: int) -> CommBytes:
    """Bytes sent/received and rounds per device per step (forward + backward)."""
    e = bytes_per_element * local_batch * dim
    blocks = rounds = 0
    for phases in comm_formula(loss, strategy, world).values():
        for ph in phases.values():
            blocks += ph.blocks
            rounds += ph.rounds
    return CommBytes(blocks * e, blocks * e, rounds)
