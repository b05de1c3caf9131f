"""The numeric mode of a run, set once per process: fp32 (TF32 off), tf32 (on), or bf16 autocast
around the logit matmuls only — reductions (log-sum-exp, softplus, sums) stay in float32, as
mixed-precision training code does. Every loss and block routes its matmuls through mm()."""
from __future__ import annotations

import torch

_bf16 = False
_device_type = "cpu"


def configure(dtype: str, device_type: str) -> None:
    global _bf16, _device_type
    allow_tf32 = dtype == "tf32"
    # Both flags exist in torch 1.13 and 2.x; on CPU they change nothing (tf32 runs as fp32 there).
    torch.backends.cuda.matmul.allow_tf32 = allow_tf32
    torch.backends.cudnn.allow_tf32 = allow_tf32
    _bf16 = dtype == "bf16"
    _device_type = device_type


def mm(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """a @ b in the configured precision, returned as float32 for the reductions that follow."""
    if not _bf16:
        return a @ b
    # A local autocast region (not an ambient one): the chunked backward runs outside the caller's
    # context (and on CUDA in autograd's own thread), so each matmul sets its own precision.
    with torch.autocast(device_type=_device_type, dtype=torch.bfloat16):
        out = a @ b
    return out.float()
