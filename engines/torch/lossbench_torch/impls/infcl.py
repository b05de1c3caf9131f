"""Inf-CL (inf-cl): CLIP as the mean of two one-way losses, cal_*_loss(x, y) and cal_*_loss(y, x).

`infcl` is Inf-CL proper: at W = 1 its Triton flash kernel, at W > 1 (strategy ring) its ring of Triton
tiles (cal_inf_loss); both need CUDA tensors. `infcl-ring` is its pure-PyTorch ring (cal_ring_loss:
RingProb, each b×b block materialised), which runs wherever torch.distributed does — W ≥ 2 only, since
without a process group Inf-CL falls back to the flash kernel. Each rank's loss is the mean over its rows,
dx, dy are W × dL/dx_k (the dk of every rank's loss rides home), and the scale's gradient is all-reduced
(GradientGather): every rank holds W × dL/dt'."""
from __future__ import annotations

import torch

from .contract import Convention, Request, Result, Step, Unsupported, autograd_result, leaves

HEAD_DIMS = (256, 128, 64, 32, 16)  # what Inf-CL's kernels accept; D is viewed as D / head_dim heads


def version() -> str:
    from importlib.metadata import version as v

    return v("inf-cl")


def head_dim(d: int) -> int:
    for h in HEAD_DIMS:
        if d % h == 0:
            return h
    raise Unsupported(f"Inf-CL needs D a multiple of 16 (head_dim 16..256), got D = {d}")


def _make(req: Request, ring_only: bool) -> Step:
    name = "infcl-ring" if ring_only else "infcl"
    if req.loss != "clip":
        raise Unsupported(f"{name} is a CLIP (softmax) loss")
    if req.strategy not in (("ring",) if ring_only else ("single", "ring")):
        raise Unsupported(f"{name} has no clip/{req.strategy}; it runs {'ring' if ring_only else 'single and ring'}")
    if ring_only and req.world < 2:
        raise Unsupported("infcl-ring needs W ≥ 2: without a process group Inf-CL calls its Triton flash kernel")
    if req.group is not None:
        raise Unsupported("Inf-CL's ring uses the default process group only")
    if not ring_only and req.device.type != "cuda":
        raise Unsupported("Inf-CL's Triton kernels take CUDA tensors only (they assert q.is_cuda, even under "
                          "TRITON_INTERPRET=1)")
    try:
        from inf_cl import cal_inf_loss, cal_ring_loss
    except Exception as e:  # noqa: BLE001 - ImportError, or Triton failing at import
        raise Unsupported(f"inf_cl cannot be imported: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}") from None
    one_way = cal_ring_loss if ring_only else cal_inf_loss
    h = head_dim(req.dim)
    distributed = req.world > 1
    conv = Convention(loss="mean", rows="ddp", scalar_grads="ddp") if distributed else Convention()

    def step(x: torch.Tensor, y: torch.Tensor, tp: torch.Tensor, bias: torch.Tensor) -> Result:
        x, y, tp = leaves(x, y, tp)
        with torch.enable_grad():
            scale = tp.exp()
            if distributed:  # Inf-CL's own handling of the scale: its gradient all-reduced (GradientGather)
                loss = (one_way(x, y, scale=scale, head_dim=h) + one_way(y, x, scale=scale, head_dim=h)) / 2
            else:  # at W = 1 GradientGather would all-reduce without a process group: scale the rows instead
                loss = (one_way(scale * x, y, head_dim=h) + one_way(scale * y, x, head_dim=h)) / 2
            return autograd_result(loss, x, y, tp, None, conv)

    return step


def infcl(req: Request) -> Step:
    return _make(req, ring_only=False)


def infcl_ring(req: Request) -> Step:
    return _make(req, ring_only=True)
