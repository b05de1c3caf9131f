"""checkpoint: gradient checkpointing over column chunks, as training code often writes it — the
reference lossbench's chunked is measured against (and what issue 17's H200 "checkpoint-chunked" column ran).

For each chunk of c columns, `torch.utils.checkpoint` of that chunk's logits and its part of the loss: the
forward keeps no N×c tensor (only each chunk's scalar), and autograd's backward reruns each chunk's forward
with grad to get its intermediates back, then differentiates it. The loss is the textbook one (as naive,
not chunked's careful forms): CLIP's cross-entropy of each direction by chunks of c rows of that
direction's logits (so each logit is computed twice, once per direction: the 2.3× naive's time of issue
17's table, against chunked's 8N²D); SigLIP's −log σ(z·l) with ±1 labels made per chunk.
Autograd through a plain loop of chunks would keep every chunk's logits; checkpointing keeps one chunk's
intermediates alive at a time (in the backward), several N×c tensors where chunked keeps about three."""
from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch.utils.checkpoint import checkpoint

from ..precision import mm
from .types import StepFn, autograd_step


def _cross_entropy_rows(rows: torch.Tensor, others: torch.Tensor, start: int) -> torch.Tensor:
    """The summed cross-entropy of these c rows of one direction's logits (rows·othersᵀ, c×N): row i's
    positive is column start + i."""
    logits = mm(rows, others.T)
    labels = torch.arange(start, start + rows.shape[0], device=rows.device)
    return F.cross_entropy(logits, labels, reduction="sum")


def clip_checkpoint_loss(x: torch.Tensor, y: torch.Tensor, tp: torch.Tensor, _bias: Any = None, c: int = 1024) -> torch.Tensor:
    """Each direction's logits in chunks of c (image→text: c rows of t·x·yᵀ; text→image: c columns, i.e.
    rows of t·y·xᵀ), each chunk's cross-entropy under checkpoint, as open_clip's ClipLoss writes the two
    directions: every logit computed once per direction."""
    n = x.shape[0]
    t = tp.exp()
    xs, ys = x * t, y * t
    total = xs.new_zeros(())
    for start in range(0, n, c):
        total = total + checkpoint(_cross_entropy_rows, xs[start:start + c], y, start, use_reentrant=False)
        total = total + checkpoint(_cross_entropy_rows, ys[start:start + c], x, start, use_reentrant=False)
    return total / (2 * n)


def _siglip_chunk(xs: torch.Tensor, yj: torch.Tensor, bias: torch.Tensor, start: int) -> torch.Tensor:
    logits = mm(xs, yj.T) + bias  # N×c
    z = -torch.ones_like(logits)  # the chunk's labels: +1 on its pairs, −1 elsewhere
    z[start:start + yj.shape[0]].diagonal().fill_(1)
    return -F.logsigmoid(z * logits).sum()


def siglip_checkpoint_loss(x: torch.Tensor, y: torch.Tensor, tp: torch.Tensor, bias: torch.Tensor, c: int = 1024) -> torch.Tensor:
    n = x.shape[0]
    xs = x * tp.exp()
    total = xs.new_zeros(())
    for start in range(0, n, c):
        total = total + checkpoint(_siglip_chunk, xs, y[start:start + c], bias, start, use_reentrant=False)
    return total / n


def clip_checkpoint(c: int) -> StepFn:
    return lambda inp: autograd_step(lambda x, y, tp, b: clip_checkpoint_loss(x, y, tp, b, c), inp, with_bias=False)


def siglip_checkpoint(c: int) -> StepFn:
    return lambda inp: autograd_step(lambda x, y, tp, b: siglip_checkpoint_loss(x, y, tp, b, c), inp, with_bias=True)
