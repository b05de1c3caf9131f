"""Process-group set-up: the backend, each rank's device, rendezvous (spawned ranks or torchrun)."""
from __future__ import annotations

import datetime
import os
import socket
from dataclasses import dataclass
from typing import Dict, Optional

import torch
import torch.distributed as dist

TORCHRUN_VARS = ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT", "LOCAL_RANK")
DEFAULT_TIMEOUT_S = 60.0


def choose_backend(device_type: str, world: int) -> str:
    """NCCL when each rank can have its own GPU (NCCL refuses two ranks on one GPU); gloo otherwise,
    which also takes CUDA tensors (staged through the host)."""
    if device_type == "cuda" and dist.is_nccl_available() and world <= torch.cuda.device_count():
        return "nccl"
    return "gloo"


def rank_device(device_type: str, local_rank: int) -> torch.device:
    if device_type != "cuda":
        return torch.device("cpu")
    dev = torch.device("cuda", local_rank % max(torch.cuda.device_count(), 1))
    torch.cuda.set_device(dev)
    return dev


def free_port() -> int:
    """A port the OS says is free now (bound to port 0, then released for the rendezvous)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def init_spawned(rank: int, world: int, port: int, backend: str, timeout_s: float = DEFAULT_TIMEOUT_S) -> None:
    os.environ["MASTER_ADDR"] = "127.0.0.1"
    os.environ["MASTER_PORT"] = str(port)
    dist.init_process_group(backend, init_method="env://", rank=rank, world_size=world,
                            timeout=datetime.timedelta(seconds=timeout_s))


@dataclass(frozen=True)
class LoopbackJoin:
    """How a rank spawned on this host joins its group: a rendezvous on 127.0.0.1 and a free port."""

    port: int

    def __call__(self, rank: int, world: int, backend: str, timeout_s: float) -> None:
        init_spawned(rank, world, self.port, backend, timeout_s)


@dataclass(frozen=True)
class StoreJoin:
    """How a rank of a multi-node scenario joins: through the store node 0's worker hosts at addr:port
    (rendezvous.py), on the network interface that reaches it."""

    addr: str
    port: int

    def __call__(self, rank: int, world: int, backend: str, timeout_s: float) -> None:
        from .rendezvous import pin_gloo_interface

        pin_gloo_interface(self.addr)
        timeout = datetime.timedelta(seconds=timeout_s)
        store = dist.TCPStore(self.addr, self.port, is_master=False, timeout=timeout, wait_for_workers=False)
        dist.init_process_group(backend, store=dist.PrefixStore("pg", store), rank=rank, world_size=world,
                                timeout=timeout)


def torchrun_env(env: Optional[Dict[str, str]] = None) -> Optional[Dict[str, int]]:
    """rank, world and local rank when torchrun (or any launcher setting its variables) started us."""
    env = os.environ if env is None else env
    if not all(env.get(k) for k in TORCHRUN_VARS):
        return None
    return {"rank": int(env["RANK"]), "world": int(env["WORLD_SIZE"]), "local_rank": int(env["LOCAL_RANK"])}


def init_torchrun(backend: str, timeout_s: float = DEFAULT_TIMEOUT_S) -> None:
    dist.init_process_group(backend, init_method="env://", timeout=datetime.timedelta(seconds=timeout_s))


def close() -> None:
    if dist.is_initialized():
        dist.destroy_process_group()
