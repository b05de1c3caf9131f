"""Across nodes: where the ranks of one scenario meet, and how its nodes find each other.

`lossbench bench --nnodes N --node-rank k --master-addr A --master-port P` runs the same sweep on every node;
for each distributed scenario each node's worker starts its W/N local ranks (global ranks k·W/N ...). Node 0's
worker hosts a c10d TCPStore at A:P for that scenario alone: it says which scenario it serves (its place in the
sweep and its id), the other nodes' workers check in there, the ranks join their process group through it, and
a node whose rank fails writes why, so that node 0 can name node and rank. A node that finds node 0 serving a
later scenario knows this one was passed over there (skipped); one that finds an earlier one waits for it."""
from __future__ import annotations

import fcntl
import os
import socket
import struct
import time
from dataclasses import dataclass
from typing import Any, Dict, Optional

SIOCGIFADDR = 0x8915


@dataclass(frozen=True)
class Rendezvous:
    nnodes: int
    node_rank: int
    master_addr: str
    master_port: int
    order: int  # the scenario's place in the sweep (-1: the link probe before it)
    key: str  # what the store serves: the scenario id, or "linkprobe"
    arrive_s: float  # how long node 0 waits for every node to check in, from the scenario's start
    arrive_by: Optional[float] = None  # ... until then (time.time()): the runner's start plus arrive_s

    def arrive_left(self) -> float:
        """Seconds left to wait for the other nodes (at most arrive_s)."""
        if self.arrive_by is None:
            return self.arrive_s
        return min(self.arrive_s, self.arrive_by - time.time())

    @property
    def tag(self) -> str:
        return f"{self.order} {self.key}"

    def local_ranks(self, world: int) -> range:
        per = world // self.nnodes
        return range(self.node_rank * per, (self.node_rank + 1) * per)

    def ranks_of(self, node: int, world: int) -> str:
        per = world // self.nnodes
        first, last = node * per, (node + 1) * per - 1
        return f"rank {first}" if first == last else f"ranks {first}–{last}"

    def check_world(self, world: int) -> None:
        if world < self.nnodes or world % self.nnodes:
            raise ValueError(f"world: W = {world} is not a multiple of the {self.nnodes} nodes")


def _int(d: Dict[str, Any], k: str, minimum: int) -> int:
    v = d.get(k)
    if isinstance(v, bool) or not isinstance(v, int) or v < minimum:
        raise ValueError(f"rendezvous.{k}: expected an integer >= {minimum}, got {v!r}")
    return v


def parse_rendezvous(d: Any, key: str) -> Optional[Rendezvous]:
    """The job's optional "rendezvous" object (docs/worker-protocol.md, section 8)."""
    if d is None:
        return None
    if not isinstance(d, dict):
        raise ValueError("rendezvous: expected a JSON object")
    nnodes = _int(d, "nnodes", 1)
    node_rank = _int(d, "nodeRank", 0)
    if node_rank >= nnodes:
        raise ValueError(f"rendezvous.nodeRank: {node_rank} is not below nnodes {nnodes}")
    addr = d.get("masterAddr")
    if not isinstance(addr, str) or not addr:
        raise ValueError(f"rendezvous.masterAddr: expected a host name or address, got {addr!r}")
    port = _int(d, "masterPort", 1)
    if port > 65535:
        raise ValueError(f"rendezvous.masterPort: expected a port number, got {port}")
    order = _int(d, "order", -1)
    arrive_ms = _int(d, "arriveTimeoutMs", 1)
    by = d.get("arriveDeadlineMs")
    if by is not None and (isinstance(by, bool) or not isinstance(by, (int, float))):
        raise ValueError(f"rendezvous.arriveDeadlineMs: expected ms since the epoch, got {by!r}")
    return Rendezvous(nnodes, node_rank, addr, port, order, key, arrive_ms / 1000,
                      None if by is None else by / 1000)


def _ipv4_of(name: str) -> Optional[str]:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            packed = fcntl.ioctl(s.fileno(), SIOCGIFADDR, struct.pack("256s", name.encode()[:15]))
        except OSError:
            return None
    return socket.inet_ntoa(packed[20:24])


def interface_towards(addr: str) -> Optional[str]:
    """The network interface this host reaches `addr` through (a UDP connect picks the route, sends nothing)."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect((socket.gethostbyname(addr), 9))
            local = s.getsockname()[0]
    except OSError:
        return None
    for _, name in socket.if_nameindex():
        if _ipv4_of(name) == local:
            return name
    return None


def pin_gloo_interface(addr: str) -> None:
    """gloo takes the interface its host name resolves to, which on a multi-homed node (or in a network
    namespace) may not reach the others: unless GLOO_SOCKET_IFNAME is given, use the one towards the master."""
    if os.environ.get("GLOO_SOCKET_IFNAME"):
        return
    name = interface_towards(addr)
    if name:
        os.environ["GLOO_SOCKET_IFNAME"] = name
