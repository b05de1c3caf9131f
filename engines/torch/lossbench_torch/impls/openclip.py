"""open_clip's ClipLoss and SigLipLoss (open-clip-torch), each distributed mode mapped onto a strategy name.

CLIP (gather_with_grad, local_loss): allgather-global ↔ (False, False), allgather-local ↔ (True, True),
allgather-global-grad ↔ (True, False), allgather-local-nograd ↔ (False, True) — the last one's gradient is
wrong (the gathered columns carry none) and its rows say so. SigLIP dist_impl: allgather ↔ 'gather', ring ↔
'shift', ring-bidir ↔ 'bidir', allreduce ↔ 'reduce'. Conventions (what DDP expects): a local-loss mode's
loss and dt' are rank means and its dx, dy are W × dL/dx_k; a global mode's loss is every rank's."""
from __future__ import annotations

from typing import Dict, Optional, Tuple

import torch

from .contract import Convention, Request, Result, Step, Unsupported, autograd_result, leaves

CLIP_MODES: Dict[str, Tuple[bool, bool]] = {  # strategy → (gather_with_grad, local_loss)
    "allgather-global": (False, False),
    "allgather-local": (True, True),
    "allgather-global-grad": (True, False),
    "allgather-local-nograd": (False, True),
}
SIGLIP_MODES: Dict[str, str] = {"allgather": "gather", "ring": "shift", "ring-bidir": "bidir", "allreduce": "reduce"}
STRATEGIES = {"clip": ("single", *CLIP_MODES), "siglip": ("single", *SIGLIP_MODES)}


def version() -> str:
    import open_clip

    return str(open_clip.__version__)


def _clip_convention(mode: Optional[Tuple[bool, bool]]) -> Convention:
    if mode is None:
        return Convention()
    with_grad, local = mode
    return Convention(loss="mean" if local else "replicated", rows="ddp" if with_grad or local else "exact",
                      scalar_grads="mean" if local else "replicated")


def openclip(req: Request) -> Step:
    try:
        from open_clip.loss import ClipLoss, SigLipLoss
    except ImportError as e:
        raise Unsupported(f"open_clip is not installed ({e}); scripts/setup-python.sh installs it") from None
    if req.strategy not in STRATEGIES[req.loss]:
        raise Unsupported(f"open_clip has no {req.loss}/{req.strategy}; its modes: {', '.join(STRATEGIES[req.loss])}")
    if req.group is not None:
        raise Unsupported("open_clip's losses use the default process group only")
    dist_args = dict(rank=req.rank, world_size=req.world)
    if req.loss == "clip":
        mode = CLIP_MODES.get(req.strategy)
        with_grad, local = mode if mode is not None else (False, False)
        clip = ClipLoss(local_loss=local, gather_with_grad=with_grad, **dist_args)
        conv = _clip_convention(mode)

        def clip_step(x: torch.Tensor, y: torch.Tensor, tp: torch.Tensor, bias: torch.Tensor) -> Result:
            x, y, tp = leaves(x, y, tp)
            with torch.enable_grad():
                return autograd_result(clip(x, y, tp.exp()), x, y, tp, None, conv)

        return clip_step
    siglip = SigLipLoss(dist_impl=SIGLIP_MODES.get(req.strategy), **dist_args)
    conv = Convention(loss="mean", rows="ddp", scalar_grads="mean")

    def siglip_step(x: torch.Tensor, y: torch.Tensor, tp: torch.Tensor, bias: torch.Tensor) -> Result:
        x, y, tp, bias = leaves(x, y, tp, bias)
        with torch.enable_grad():
            return autograd_result(siglip(x, y, tp.exp(), bias), x, y, tp, bias, conv)

    return siglip_step
