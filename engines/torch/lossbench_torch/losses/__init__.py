"""Single-device loss steps: loss × impl → a function from inputs to loss and gradients."""
from __future__ import annotations

from typing import Optional

from .checkpoint import clip_checkpoint, siglip_checkpoint
from .clip import clip_chunked, clip_naive
from .siglip import siglip_chunked, siglip_naive
from .types import StepFn, StepResult

__all__ = ["loss_step", "StepFn", "StepResult"]


def loss_step(loss: str, impl: str, chunk: Optional[int]) -> StepFn:
    """`chunk` is the tile (chunk) width c of chunked and checkpoint (one device only)."""
    steps = {
        "clip": {"naive": clip_naive, "chunked": lambda: clip_chunked(chunk), "checkpoint": lambda: clip_checkpoint(chunk)},
        "siglip": {"naive": siglip_naive, "chunked": lambda: siglip_chunked(chunk),
                   "checkpoint": lambda: siglip_checkpoint(chunk)},
    }
    if loss not in steps:
        raise ValueError(f"unknown loss {loss!r}")
    if impl not in steps[loss]:
        raise ValueError(f"unknown impl {impl!r}")
    return steps[loss][impl]()
