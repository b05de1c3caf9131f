"""What a strategy gets (its rank's shard and context) and returns (its rows and scalar shares)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

import torch

from ...inputs import Inputs
from ...losses.blocks import SigmoidOut, sigmoid_block, sigmoid_block_naive
from ..comm import Comm


@dataclass
class Context:
    comm: Comm
    loss: str  # 'clip' | 'siglip'
    impl: str  # naive: each local block in one tile; chunked: tiles of `chunk` columns
    chunk: int
    n: int  # global batch N = W·b
    b: int  # local batch

    def tile(self, width: int) -> int:
        return max(width, 1) if self.impl == "naive" else self.chunk

    def sigmoid_block(self, inp: Inputs, B: torch.Tensor, offset: Optional[int]) -> SigmoidOut:
        """This rank's rows x against block B of SigLIP's logits, loss share and gradients scaled by 1/N:
        naive as the textbook writes it (autograd through the whole block), chunked in tiles of c."""
        inv_n = 1 / self.n
        if self.impl == "naive":
            return sigmoid_block_naive(inp.x, B, inp.t_prime, inp.bias, offset, inv_n)
        return sigmoid_block(inp.x, B, inp.t_prime.exp(), inp.bias, offset, self.chunk, inv_n, inv_n)

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
