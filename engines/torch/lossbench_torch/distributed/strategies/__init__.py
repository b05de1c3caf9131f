"""The strategies by loss/strategy name, and one rank's step for a scenario."""
from __future__ import annotations

from typing import Dict

import torch

from ...inputs import Inputs
from ..comm import Comm
from .clip_allgather_global import clip_allgather_global
from .clip_allgather_local import clip_allgather_local
from .clip_ring import clip_ring
from .siglip_allgather import siglip_allgather
from .siglip_ring import siglip_ring
from .siglip_ring_bidir import siglip_ring_bidir
from .types import Context, RankStep, Strategy

STRATEGIES: Dict[str, Strategy] = {
    "clip/allgather-global": clip_allgather_global,
    "clip/allgather-local": clip_allgather_local,
    "clip/ring": clip_ring,
    "siglip/allgather": siglip_allgather,
    "siglip/ring": siglip_ring,
    "siglip/ring-bidir": siglip_ring_bidir,
}

__all__ = ["STRATEGIES", "Context", "RankStep", "rank_step"]


def rank_step(loss: str, impl: str, strategy: str, chunk: int, n: int, comm: Comm, inp: Inputs) -> RankStep:
    """One step of `strategy` on this rank's shard; the ledger and comm time of the step are in comm."""
    run = STRATEGIES.get(f"{loss}/{strategy}")
    if run is None:
        raise ValueError(f"unknown strategy {loss}/{strategy}")
    if n % comm.world:
        raise ValueError(f"N = {n} is not a multiple of world {comm.world}")
    comm.reset()
    # Manual forward/backward: no autograd graph outside what a strategy builds itself.
    with torch.no_grad():
        return run(Context(comm, impl, chunk, n, n // comm.world), inp)
