"""lossbench's own implementations: naive and chunked on every strategy of its tables, each a rank program
(distributed/strategies/; 'single' the W = 1 one); checkpoint (the torch.utils.checkpoint reference,
losses/checkpoint.py) on one device."""
from __future__ import annotations

import torch

from ..contract import strategy
from ..distributed.comm import Comm
from ..distributed.strategies import STRATEGIES, rank_step
from ..inputs import Inputs
from .contract import Convention, Request, Result, Step, Unsupported


def builtin(impl: str) -> "BuiltinFactory":
    return BuiltinFactory(impl)


class BuiltinFactory:
    def __init__(self, impl: str) -> None:
        self.impl = impl

    def __call__(self, req: Request) -> Step:
        impl = self.impl
        if f"{req.loss}/{req.strategy}" not in STRATEGIES:
            raise Unsupported(f"lossbench's {impl} has no {req.loss}/{req.strategy} (a third-party strategy)")
        if impl == "checkpoint" and not strategy(req.loss, req.strategy).one_device:
            raise Unsupported("checkpoint runs on one device (strategy single); its chunks are the N columns")

        def step(x: torch.Tensor, y: torch.Tensor, tp: torch.Tensor, bias: torch.Tensor) -> Result:
            # W = 1 needs no process group: a caller may give no comm there (nothing is counted)
            comm = req.comm if req.comm is not None or req.world != 1 else Comm(0, 1, req.device, None)
            r = rank_step(req.loss, impl, req.strategy, req.chunk, req.n, comm, Inputs(x, y, tp, bias))
            c = Convention(loss=r.scalars, rows="exact", scalar_grads=r.scalars)
            return Result(r.loss, r.dx, r.dy, r.dt, r.db, c)

        return step
