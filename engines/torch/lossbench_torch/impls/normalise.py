"""From an implementation's own convention to lossbench's: per rank, its rows of dL/dx and dL/dy of the global
loss, and shares of the loss, dt', dβ that add up over the ranks (what measure/aggregate.py sums)."""
from __future__ import annotations

from typing import List, Optional

import torch

from .contract import Result

# this rank's value × factor = its share of the global value
_SHARE = {"sum": lambda w: 1.0, "mean": lambda w: 1.0 / w, "replicated": lambda w: 1.0 / w,
          "ddp": lambda w: 1.0 / (w * w)}
_ROWS = {"exact": lambda w: 1.0, "ddp": lambda w: 1.0 / w}


def _scaled(t: Optional[torch.Tensor], factor: float) -> Optional[torch.Tensor]:
    if t is None:
        return None
    return t.detach().float() if factor == 1.0 else t.detach().float() * factor


def shares(r: Result, world: int) -> List[Optional[torch.Tensor]]:
    """[loss share, dx rows, dy rows, dt' share, dβ share] of this rank, float32."""
    c = r.convention
    s, g, rows = _SHARE[c.loss](world), _SHARE[c.scalar_grads](world), _ROWS[c.rows](world)
    return [_scaled(r.loss, s), _scaled(r.dx, rows), _scaled(r.dy, rows), _scaled(r.dt, g), _scaled(r.db, g)]
