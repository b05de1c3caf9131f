"""siglip/ring-bidir (open_clip bidir=True): y blocks travel both ways round the ring at once. In
round i = 1..⌊(W−1)/2⌋ rank k receives y_{k−i} from the left and y_{k+i} from the right; when W−1 is
odd one more rightward shift brings y_{k−h}. The gradient partials return the way their blocks came,
in reverse round order, each rank adding its partial as the accumulator passes (what autograd does
through open_clip's exchanges), so each rank keeps its partial of every received block until then.
Traffic: its formulas in contract/strategies.json (read by contract.py; the tests count it)."""
from __future__ import annotations

from typing import Dict

import torch

from ...inputs import Inputs
from .siglip_ring import Accumulator, block
from .types import Context, RankStep


def siglip_ring_bidir(ctx: Context, inp: Inputs) -> RankStep:
    comm, W = ctx.comm, ctx.comm.world
    bidir, one_way = (W - 1) // 2, (W - 1) % 2 == 1
    res = Accumulator(block(ctx, inp, inp.y, 0))
    # part_r[i]: this rank's partial d y_{k−i} (block from the left); part_l[i]: d y_{k+i}
    part_r: Dict[int, torch.Tensor] = {}
    part_l: Dict[int, torch.Tensor] = {}

    to_right, to_left = inp.y, inp.y
    for i in range(1, bidir + 1):
        from_left, from_right = comm.bidir_shift(to_right, to_left, "fwd")
        to_right, to_left = from_left, from_right
        part_r[i] = res.add(block(ctx, inp, from_left, None))
        part_l[i] = res.add(block(ctx, inp, from_right, None))
    if one_way:
        (from_left,) = comm.ring_shift([to_right], "fwd")
        part_r[bidir + 1] = res.add(block(ctx, inp, from_left, None))
    del to_right, to_left

    # Backward: the accumulators retrace the blocks' paths.
    acc_r = acc_l = None
    if one_way:
        (back,) = comm.ring_shift([part_r[bidir + 1]], "bwd", step=-1)  # from k+1: d y_{k−h+1}
        acc_r = back + part_r[bidir] if bidir > 0 else back
    elif bidir > 0:
        acc_r = part_r[bidir]
    if bidir > 0:
        acc_l = part_l[bidir]
    for i in range(bidir, 0, -1):
        # the block that came from the left returns left, the one from the right returns right
        from_left, from_right = comm.bidir_shift(acc_l, acc_r, "bwd")  # type: ignore[arg-type]
        acc_r = from_right + part_r[i - 1] if i > 1 else from_right
        acc_l = from_left + part_l[i - 1] if i > 1 else from_left
    for home in (acc_r, acc_l):  # both now hold partials of this rank's own y
        if home is not None:
            res.dy = res.dy + home
    return res.result()
