"""`info`: what this Python and torch offer (one JSON object on stdout)."""
from __future__ import annotations

import json
import platform
import subprocess
import sys
from typing import Any, Dict, Optional

import torch
import torch.distributed as dist


def _nccl_version() -> Optional[str]:
    try:
        if not (dist.is_available() and dist.is_nccl_available()):
            return None
        v = torch.cuda.nccl.version()
        return ".".join(map(str, v)) if isinstance(v, tuple) else str(v)
    except Exception:  # noqa: BLE001 - a CPU build may have no NCCL at all
        return None


def _topology() -> Optional[str]:
    try:
        return subprocess.run(["nvidia-smi", "topo", "-m"], capture_output=True, text=True, timeout=20, check=True).stdout
    except Exception:  # noqa: BLE001 - no NVIDIA driver here
        return None


def info() -> Dict[str, Any]:
    cuda = torch.cuda.is_available()
    count = torch.cuda.device_count() if cuda else 0
    return {
        "python_version": platform.python_version(),
        "python_executable": sys.executable,
        "torch_version": torch.__version__,
        "cuda_available": cuda,
        "cuda_version": torch.version.cuda,
        "nccl_version": _nccl_version(),
        "distributed_available": dist.is_available(),
        "gloo_available": bool(dist.is_available() and dist.is_gloo_available()),
        "gpu_count": count,
        "gpu_names": [torch.cuda.get_device_name(i) for i in range(count)],
        "nvidia_smi_topo": _topology(),
    }


def main() -> int:
    print(json.dumps(info()))
    return 0
