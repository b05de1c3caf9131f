"""Derives the torch engine's CPU and CUDA memory constants by counting what each single-device step keeps.

`python scripts/torch-cuda-memory.py [--dtype fp32|bf16]` (the project's .venv; runs on the CPU): every
allocation and free of one step, in order, from the torch profiler's memory events; the running sum's
peak, at several N, D and c, fitted by least squares to kLogit·L + kFeature·F (float32 elements; a bf16
tensor counts half). On CUDA the caching allocator sees the same ATen ops allocate the same tensors, with
one difference that matters here: log_sigmoid_forward's second output is an input-sized buffer on the CPU
and an empty tensor on CUDA (whose log_sigmoid_backward recomputes from the input instead). The CUDA count
runs the same steps with those two CPU kernels replaced by ones that allocate what CUDA's do (the output
only, the buffer empty; the gradient only): cuda_log_sigmoid() below.
Naive is the textbook step (logits materialised, autograd), as the H200 table of issue 17 measured;
chunked is lossbench_torch's own; checkpoint is torch.utils.checkpoint over column chunks (losses/
checkpoint.py), the loop of that table's chunked column. Prints one JSON object: device → key → {kLogit,
kFeature, worst} (worst: the largest relative error of the fit over the counted sizes)."""
from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Callable, Dict, List, Tuple

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "engines", "torch"))

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from lossbench_torch import precision  # noqa: E402
from lossbench_torch.inputs import seeded  # noqa: E402
from lossbench_torch.losses import loss_step  # noqa: E402
from lossbench_torch.losses.types import autograd_step  # noqa: E402
from lossbench_torch.measure.memory import _profiler_peak  # noqa: E402


def clip_textbook(x: torch.Tensor, y: torch.Tensor, tp: torch.Tensor, _b: object = None) -> torch.Tensor:
    logits = precision.mm(x * tp.exp(), y.T)
    labels = torch.arange(x.shape[0])
    return (F.cross_entropy(logits, labels) + F.cross_entropy(logits.T, labels)) / 2


def siglip_textbook(x: torch.Tensor, y: torch.Tensor, tp: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    n = x.shape[0]
    logits = precision.mm(x * tp.exp(), y.T) + b
    z = 2 * torch.eye(n) - 1
    return -F.logsigmoid(z * logits).sum() / n


# (N, D, c): N² against N·D, and N·c against N·D, both well conditioned.
NAIVE_SIZES = [(512, 64, 0), (1024, 64, 0), (1024, 512, 0), (2048, 256, 0)]
CHUNKED_SIZES = [(1024, 16, 256), (2048, 16, 512), (2048, 128, 256), (4096, 64, 1024), (4096, 256, 512)]
IMPLS = ("naive", "chunked", "checkpoint")


def cuda_log_sigmoid() -> object:
    """CPU kernels of log_sigmoid_forward/backward that allocate as CUDA's do: forward its output and an
    empty buffer, backward its gradient (computed from the input), each one tensor with in-place
    arithmetic (values as the real ones for |l| < 170). Keep the returned library alive while counting."""
    lib = torch.library.Library("aten", "IMPL")

    def forward(x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        out = torch.abs(x)  # log σ(x) = x/2 − log(2·cosh(x/2))
        out.mul_(0.5).cosh_().mul_(2).log_().neg_().add_(x, alpha=0.5)
        return out, x.new_empty(0)

    def backward(g: torch.Tensor, x: torch.Tensor, _buffer: torch.Tensor) -> torch.Tensor:
        return torch.neg(x).sigmoid_().mul_(g)  # σ(−x)·g

    lib.impl("log_sigmoid_forward", forward, "CPU")
    lib.impl("log_sigmoid_backward", backward, "CPU")
    return lib


def step_of(loss: str, impl: str, c: int) -> Callable[..., object]:
    if impl == "naive":
        f = clip_textbook if loss == "clip" else siglip_textbook
        return lambda inp: autograd_step(f, inp, with_bias=loss == "siglip")
    return loss_step(loss, impl, c)  # chunked, checkpoint


def fit(loss: str, impl: str) -> Dict[str, float]:
    rows: List[Tuple[float, float, float]] = []
    for n, d, c in NAIVE_SIZES if impl == "naive" else CHUNKED_SIZES:
        inp = seeded(loss, n, d, 0)
        f = step_of(loss, impl, c)
        peak = _profiler_peak(lambda: f(inp))
        if peak is None:
            raise SystemExit("the torch profiler gave no memory events")
        rows.append((n * (n if impl == "naive" else c), n * d, peak / 4))
    A = np.array([[r[0], r[1]] for r in rows])
    y = np.array([r[2] for r in rows])
    (k_l, k_f), *_ = np.linalg.lstsq(A, y, rcond=None)
    worst = float(np.max(np.abs(A @ [k_l, k_f] / y - 1)))
    return {"kLogit": round(float(k_l), 2), "kFeature": round(float(k_f), 2), "worst": round(worst, 3)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dtype", choices=["fp32", "bf16"], default="fp32")
    a = ap.parse_args()
    torch.set_num_threads(1)
    precision.configure(a.dtype, "cpu")
    keys = [(loss, impl) for loss in ("clip", "siglip") for impl in IMPLS]
    out = {"cpu": {f"{loss}/single/{impl}": fit(loss, impl) for loss, impl in keys}}
    lib = cuda_log_sigmoid()
    out["cuda"] = {f"{loss}/single/{impl}": fit(loss, impl) for loss, impl in keys}
    del lib
    print(json.dumps({"dtype": a.dtype, "torch": torch.__version__, "constants": out}))


if __name__ == "__main__":
    main()
