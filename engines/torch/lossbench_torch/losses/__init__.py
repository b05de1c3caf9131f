"""Single-device loss steps: loss × impl → a function from inputs to loss and gradients."""
from __future__ import annotations

from .clip import clip_chunked, clip_naive
from .siglip import siglip_chunked, siglip_naive
from .types import StepFn, StepResult

__all__ = ["loss_step", "StepFn", "StepResult"]


def loss_step(loss: str, impl: str, chunk: int) -> StepFn:
    """`chunk` is the tile width c of the chunked implementations."""
    if loss == "clip":
        return clip_naive() if impl == "naive" else clip_chunked(chunk)
    if loss == "siglip":
        return siglip_naive() if impl == "naive" else siglip_chunked(chunk)
    raise ValueError(f"unknown loss {loss!r}")
