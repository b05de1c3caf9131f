"""siglip/ring-bidir (open_clip bidir=True): y blocks travel both ways round the ring at once. In
round i = 1..⌊(W−1)/2⌋ rank k receives y_{k−i} from the left and y_{k+i} from the right; when W−1 is
odd one more rightward shift brings y_{k−h}. The gradient partials return the way their blocks came,
in reverse round order, each rank adding its partial as the accumulator passes (what autograd does
through open_clip's exchanges), so each rank keeps, per received block, its partial or the block itself
until then (b×D each).
Overlapped (comm.overlap, the default): each round is posted before the rank computes on what it holds
(double-buffered). Forward round i+1 travels while the block from the left of round i is computed; the
blocks from the right are kept and computed in the backward, each while the accumulator round before
the one that carries its partial is in flight. Off: the same schedule, one blocking round at a time.
Traffic: its formulas in contract/strategies.json (read by contract.py; the tests count it)."""
from __future__ import annotations

from typing import Dict, List, Optional

import torch

from ...inputs import Inputs
from ..comm import PostedShift
from .siglip_ring import Accumulator, block
from .types import Context, RankStep


def siglip_ring_bidir(ctx: Context, inp: Inputs) -> RankStep:
    comm, W = ctx.comm, ctx.comm.world
    h, one_way = (W - 1) // 2, (W - 1) % 2 == 1
    last = h + int(one_way)  # forward rounds: h two-way, then the one-way shift

    def post(i: int, phase: str, to_right: torch.Tensor, to_left: Optional[torch.Tensor]) -> PostedShift:
        """Round i of a lap: two-way for i ≤ h, else the one-way shift (rightward in the forward, back
        leftward in the backward)."""
        if i <= h:
            return comm.bidir_post(to_right, to_left, phase)  # type: ignore[arg-type]
        if phase == "fwd":
            return comm.ring_post([to_right], phase)
        return comm.ring_post([to_left], phase, step=-1)  # type: ignore[list-item]

    nxt = post(1, "fwd", inp.y, inp.y) if last else None  # in flight while the own block is computed
    res = Accumulator(block(ctx, inp, inp.y, 0))
    part_r: Dict[int, torch.Tensor] = {}  # this rank's partial d y_{k−i} (block from the left of round i)
    held_l: Dict[int, torch.Tensor] = {}  # y_{k+i} (block from the right), computed in the backward
    part_l: Dict[int, torch.Tensor] = {}  # its partial d y_{k+i}

    def from_right(i: int) -> None:
        if i >= 1 and i not in part_l:
            part_l[i] = res.add(block(ctx, inp, held_l.pop(i), None))

    for i in range(1, last + 1):
        got: List[torch.Tensor] = nxt.wait()  # type: ignore[union-attr]  # [from_left] (+ [from_right])
        nxt = post(i + 1, "fwd", got[0], got[-1]) if i < last else None
        if i <= h:
            held_l[i] = got[1]
        part_r[i] = res.add(block(ctx, inp, got[0], None))
        del got

    # Backward: the accumulators retrace the blocks' paths, the last round first. acc_l (partials of the
    # blocks from the right) go right, acc_r go left; what arrives holds the partials of the next round in.
    recv_l: Optional[torch.Tensor] = None  # from the left: the acc_l stream
    recv_r: Optional[torch.Tensor] = None  # from the right: the acc_r stream
    for i in range(last, 0, -1):
        if i <= h:
            from_right(i)  # its partial goes in this round
        acc_r = part_r.pop(i) if recv_r is None else recv_r + part_r.pop(i)
        acc_l = None
        if i <= h:
            acc_l = part_l.pop(i) if recv_l is None else recv_l + part_l.pop(i)
        posted = post(i, "bwd", acc_l, acc_r)  # type: ignore[arg-type]
        from_right(i - 1)  # the next round's partial, while this one travels
        got = posted.wait()
        if i <= h:
            recv_l, recv_r = got
        else:
            (recv_r,) = got
    for home in (recv_r, recv_l):  # both now hold partials of this rank's own y
        if home is not None:
            res.dy = res.dy + home
    return res.result()
