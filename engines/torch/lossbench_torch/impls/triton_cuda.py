"""siglip-kernel's fused SigLIP loss and memeff's memory-efficient CLIP loss: Triton kernels that take CUDA
tensors only (each checks before any kernel runs, so TRITON_INTERPRET=1 cannot bring them to the CPU;
`import siglip_kernel` itself asks the NVIDIA driver for the GPU's architecture)."""
from __future__ import annotations

import torch

from .contract import Convention, Request, Result, Step, Unsupported, autograd_result, leaves


def _import(module: str) -> object:
    try:
        return __import__(module)
    except Exception as e:  # noqa: BLE001 - ImportError, or a RuntimeError from the driver query at import
        first = str(e).strip().splitlines()[0] if str(e).strip() else ""
        raise Unsupported(f"import {module}: {type(e).__name__}: {first}") from None


def _need_cuda(name: str, req: Request) -> None:
    if req.device.type != "cuda":
        raise Unsupported(f"{name}'s Triton kernels take CUDA tensors only")


def siglip_kernel(req: Request) -> Step:
    if req.loss != "siglip":
        raise Unsupported("siglip-kernel is a SigLIP (sigmoid) loss")
    if req.strategy != "single":
        raise Unsupported(f"siglip-kernel's distributed loss is not mapped onto siglip/{req.strategy}; it runs single")
    mod = _import("siglip_kernel")
    _need_cuda("siglip-kernel", req)
    fused = getattr(mod, "fused_siglip_loss")

    def step(x: torch.Tensor, y: torch.Tensor, tp: torch.Tensor, bias: torch.Tensor) -> Result:
        x, y, tp, bias = leaves(x, y, tp, bias)
        with torch.enable_grad():
            return autograd_result(fused(x, y, tp, bias), x, y, tp, bias, Convention())

    return step


def memeff(req: Request) -> Step:
    if req.loss != "clip":
        raise Unsupported("memeff is a CLIP (softmax) loss")
    if req.strategy not in ("single", "allgather-local"):
        raise Unsupported(f"memeff has no clip/{req.strategy}; it runs single and allgather-local")
    mod = _import("memeff")
    _need_cuda("memeff", req)
    single = req.strategy == "single"
    conv = Convention() if single else Convention(loss="sum", rows="exact", scalar_grads="sum")

    def step(x: torch.Tensor, y: torch.Tensor, tp: torch.Tensor, bias: torch.Tensor) -> Result:
        # memeff's temperature is a fixed float (no gradient): t = exp(t') is read once per step.
        temperature = float(torch.exp(-tp))
        kw = dict(temperature=temperature, normalized_inputs=True, stable=False)
        f = (getattr(mod, "MemoryEfficientCLIPLoss")(**kw) if single
             else getattr(mod, "DistributedMemoryEfficientCLIPLoss")(group=req.group, **kw))
        x, y = leaves(x, y)
        with torch.enable_grad():
            loss = f(x, y)
            dx, dy = torch.autograd.grad(loss, [x, y])
        return Result(loss.detach(), dx, dy, None, None, conv)

    return step


def siglip_kernel_version() -> str:
    from importlib.metadata import version

    return version("siglip-kernel")


def memeff_version() -> str:
    from importlib.metadata import version

    return version("memeff")
