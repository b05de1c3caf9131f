"""lossbench's own implementations: naive and chunked on every strategy of its tables; checkpoint (the
torch.utils.checkpoint reference, losses/checkpoint.py) on one device."""
from __future__ import annotations

import torch

from ..distributed.strategies import STRATEGIES, rank_step
from ..inputs import Inputs
from ..losses import loss_step
from .contract import Convention, Request, Result, Step, Unsupported


def builtin(impl: str) -> "BuiltinFactory":
    return BuiltinFactory(impl)


class BuiltinFactory:
    def __init__(self, impl: str) -> None:
        self.impl = impl

    def __call__(self, req: Request) -> Step:
        impl = self.impl
        if req.strategy == "single":
            f = loss_step(req.loss, impl, req.chunk)

            def single(x: torch.Tensor, y: torch.Tensor, tp: torch.Tensor, bias: torch.Tensor) -> Result:
                if req.comm is not None:
                    req.comm.reset()
                r = f(Inputs(x, y, tp, bias))
                return Result(r.loss, r.dx, r.dy, r.dt, r.db, Convention())

            return single
        if impl == "checkpoint":
            raise Unsupported("checkpoint runs on one device (strategy single); its chunks are the N columns")
        if f"{req.loss}/{req.strategy}" not in STRATEGIES:
            raise Unsupported(f"lossbench's {impl} has no {req.loss}/{req.strategy} (a third-party strategy)")

        def distributed(x: torch.Tensor, y: torch.Tensor, tp: torch.Tensor, bias: torch.Tensor) -> Result:
            r = rank_step(req.loss, impl, req.strategy, req.chunk, req.n, req.comm, Inputs(x, y, tp, bias))
            c = Convention(loss=r.scalars, rows="exact", scalar_grads=r.scalars)
            return Result(r.loss, r.dx, r.dy, r.dt, r.db, c)

        return distributed
