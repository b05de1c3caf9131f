"""`linkprobe`: all-gather and send/recv bandwidth between W spawned ranks at given message sizes,
with nccl-tests' definitions: time = mean over iterations (the slowest rank's), algbw = bytes/time;
all-gather: bytes = the gathered total, busbw = algbw·(W−1)/W; sendrecv: bytes = what each rank
sends to its right neighbour, busbw = algbw. Latency: the time at the smallest size. Across nodes
(--nnodes ...) every node runs this command and starts its share of the ranks; node 0 prints the results."""
from __future__ import annotations

import json
import time
from typing import Any, Dict, List, Optional, Sequence

import torch
import torch.distributed as dist

from ..distributed.comm import Comm
from ..distributed.group import DEFAULT_TIMEOUT_S
from ..distributed.launch import launch
from ..distributed.nodes import launch_across
from ..distributed.rendezvous import Rendezvous
from ..measure.device import sync


def _time(comm: Comm, fn: Any, iters: int, warmup: int) -> float:
    for _ in range(warmup):
        fn()
    dist.barrier()
    sync(comm.device)
    t0 = time.perf_counter()
    for _ in range(iters):
        fn()
    sync(comm.device)
    return (time.perf_counter() - t0) / iters


def _probe(comm: Comm, sizes: Sequence[int], iters: int, warmup: int) -> List[Dict[str, Any]]:
    W, out = comm.world, []
    for size in sizes:
        per = max(1, size // (4 * W))  # float32 elements each rank contributes
        mine = torch.ones(per, device=comm.device)
        parts = [torch.empty_like(mine) for _ in range(W)]
        t = _time(comm, lambda: dist.all_gather(parts, mine), iters, warmup)
        out.append({"op": "all_gather", "bytes": 4 * per * W, "time_s": t})
        msg = torch.ones(max(1, size // 4), device=comm.device)
        t = _time(comm, lambda: comm._exchange([(msg, comm.peer(1), 0)], [(msg, comm.peer(-1), 0)]), iters, warmup)
        out.append({"op": "sendrecv", "bytes": 4 * msg.numel(), "time_s": t})
    return out


def run(world: int, sizes: Sequence[int], device: str, iters: int, warmup: int,
        rdzv: Optional[Rendezvous] = None) -> Dict[str, Any]:
    """Across nodes (rdzv), every node serves its ranks and node 0 gets the measurements; the others an
    empty list of results."""
    if world < 2:
        raise ValueError("linkprobe needs --world 2 or more")
    if rdzv is None:
        outcome = launch(_probe, (list(sizes), iters, warmup), world, device, timeout_s=600)
    else:
        outcome = launch_across(_probe, (list(sizes), iters, warmup), world, device, rdzv, 600, DEFAULT_TIMEOUT_S)
    if outcome.failure is not None:
        raise RuntimeError(outcome.failure.reason)
    if rdzv is not None and rdzv.node_rank != 0:
        return {"world": world, "backend": outcome.backend, "device": device, "iters": iters, "results": [],
                "latency_us": {}, "nodes": rdzv.nnodes, "node_rank": rdzv.node_rank}
    results = []
    for i, first in enumerate(outcome.results[0]):
        t = max(r[i]["time_s"] for r in outcome.results)
        algbw = first["bytes"] / t / 1e9
        busbw = algbw * (world - 1) / world if first["op"] == "all_gather" else algbw
        results.append({"op": first["op"], "bytes": first["bytes"], "time_us": t * 1e6,
                        "algbw_GBps": algbw, "busbw_GBps": busbw})
    latency = {op: min((r for r in results if r["op"] == op), key=lambda r: r["bytes"])["time_us"]
               for op in ("all_gather", "sendrecv")}
    out = {"world": world, "backend": outcome.backend, "device": device, "iters": iters, "results": results,
           "latency_us": latency}
    if rdzv is not None:
        out["nodes"] = rdzv.nnodes
    return out


def main(world: int, sizes: Sequence[int], device: str, iters: int, warmup: int,
         rdzv: Optional[Rendezvous] = None) -> int:
    print(json.dumps(run(world, sizes, device, iters, warmup, rdzv)))
    return 0
