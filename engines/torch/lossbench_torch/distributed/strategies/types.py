"""What a strategy gets (its rank's shard and context) and returns (its rows and scalar shares)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

import torch

from ...inputs import Inputs
from ..comm import Comm


@dataclass
class Context:
    comm: Comm
    impl: str  # naive: each local block in one tile; chunked: tiles of `chunk` columns
    chunk: int
    n: int  # global batch N = W·b
    b: int  # local batch

    def tile(self, width: int) -> int:
        return max(width, 1) if self.impl == "naive" else self.chunk

    @property
    def offset(self) -> int:
        """Column of this rank's first positive in the gathered N columns."""
        return self.comm.rank * self.b


@dataclass
class RankStep:
    loss: torch.Tensor  # this rank's share (scalars == 'sum') or the whole value ('replicated')
    dx: torch.Tensor  # this rank's b rows
    dy: torch.Tensor
    dt: torch.Tensor
    db: Optional[torch.Tensor]  # SigLIP only
    scalars: str  # 'sum' | 'replicated'


Strategy = Callable[[Context, Inputs], RankStep]
