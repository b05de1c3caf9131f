"""The strategies by loss/strategy name, each one rank's program, and one rank's step for a scenario:
'single' is the W = 1 case like any other (the contract's oneDevice: it runs at W = 1 only)."""
from __future__ import annotations

from typing import Dict

import torch

from ...contract import strategy
from ...inputs import Inputs
from ..comm import Comm
from .clip_allgather_global import clip_allgather_global
from .clip_allgather_local import clip_allgather_local
from .clip_ring import clip_ring
from .siglip_allgather import siglip_allgather
from .siglip_ring import siglip_ring
from .siglip_ring_bidir import siglip_ring_bidir
from .single import single
from .types import Context, RankStep, Strategy

STRATEGIES: Dict[str, Strategy] = {
    "clip/single": single,
    "clip/allgather-global": clip_allgather_global,
    "clip/allgather-local": clip_allgather_local,
    "clip/ring": clip_ring,
    "siglip/single": single,
    "siglip/allgather": siglip_allgather,
    "siglip/ring": siglip_ring,
    "siglip/ring-bidir": siglip_ring_bidir,
}

__all__ = ["STRATEGIES", "Context", "RankStep", "rank_step"]


def rank_step(loss: str, impl: str, name: str, chunk: int, n: int, comm: Comm, inp: Inputs) -> RankStep:
    """One step of strategy `name` on this rank's shard; the ledger and comm time of the step are in comm."""
    run = STRATEGIES.get(f"{loss}/{name}")
    if run is None:
        raise ValueError(f"unknown strategy {loss}/{name}")
    if n % comm.world:
        raise ValueError(f"N = {n} is not a multiple of world {comm.world}")
    if strategy(loss, name).one_device and comm.world != 1:
        raise ValueError(f"{loss}/{name} runs on one device, not {comm.world}")
    comm.reset()
    # Manual forward/backward: no autograd graph outside what a strategy builds itself.
    with torch.no_grad():
        return run(Context(comm, loss, impl, chunk, n, n // comm.world), inp)
