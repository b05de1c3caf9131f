"""One scenario across nodes: this node's worker is its node's agent (rendezvous.py says how they meet).

Node 0 hosts the scenario's store, waits for every node to check in (one that never does ends the scenario
with a `timeout` naming it), starts its ranks and gathers every rank's result through rank 0. Every node
watches its own ranks; a node whose rank fails writes node, rank and reason to the store, and node 0 names
the root cause (a rank killed by a signal, else one whose error is not a broken connection) and tells the
others to stop; a node whose agent stops beating (killed, or cut off) is named as gone. The other nodes
report `ok` with no measurements: node 0's report is the scenario's.

While node 0 runs a one-device scenario of the sweep its worker hosts the store too, with that scenario's tag
(progress_host): a node waiting for a later scenario sees node 0 at work, and waits on however long node 0's
earlier scenarios take; it gives up only when it has not seen node 0 at work for the arrive window."""
from __future__ import annotations

import contextlib
import datetime
import json
import os
import re
import socket
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterator, List, Optional, Tuple

import torch.distributed as dist

from . import group
from .comm import Comm
from .launch import SECONDARY, Outcome, RankFailure, launch
from .rendezvous import Rendezvous

KILLED = re.compile(r"killed by SIG")
POLL_S = 0.2
BEAT_S = 10.0  # a node whose agent has not polled for this long is taken for gone
END_KEY = "end"  # what node 0's store serves after its sweep (commands/farewell.py)


@dataclass(frozen=True)
class GatherTo0:
    """A task whose results all reach global rank 0 (the only one whose result node 0 reads)."""

    task: Callable[..., Any]

    def __call__(self, comm: Comm, *args: Any) -> Any:
        mine = self.task(comm, *args)
        everyone: List[Any] = [None] * comm.world
        dist.all_gather_object(everyone, mine)
        return everyone if comm.rank == 0 else None


def _td(seconds: float) -> datetime.timedelta:
    return datetime.timedelta(seconds=max(seconds, 0.1))


def host_store(addr: str, port: int, backend: str, tag: str) -> Any:
    """Node 0's store at addr:port, serving `tag` ("<order> <key>") with the process group's backend."""
    store = dist.TCPStore(addr, port, is_master=True, timeout=_td(10), wait_for_workers=False)
    store.set("backend", backend)
    store.set("tag", tag)  # last: a node that reads the tag finds the rest
    return store


def _host(rdzv: Rendezvous, backend: str) -> Any:
    return host_store(rdzv.master_addr, rdzv.master_port, backend, rdzv.tag)


@contextlib.contextmanager
def progress_host(rdzv: Optional[Rendezvous]) -> Iterator[None]:
    """Node 0 running a one-device scenario of a sweep across nodes: its store says which (tag), so that the
    other nodes, waiting for a later one, see it at work. Best effort: a store that cannot be hosted is none."""
    store = None
    if rdzv is not None and rdzv.node_rank == 0 and rdzv.nnodes > 1:
        try:
            store = _host(rdzv, "none")
        except Exception:  # noqa: BLE001 - the others then wait as if node 0 were between scenarios
            store = None
    try:
        yield
    finally:
        del store


def _join(rdzv: Rendezvous, deadline: float) -> Tuple[Any, str]:
    """Checks in at node 0's store for this scenario; waits while node 0 serves an earlier one (each sight of
    it at work moves the deadline to the arrive window from then). Raises _PassedOver when node 0 is past
    it, TimeoutError when node 0 is not seen at work, nor serving it, for the arrive window."""
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"node 0 did not serve this scenario at {rdzv.master_addr}:{rdzv.master_port}, "
                               f"nor was it seen at work there for {rdzv.arrive_s:.0f} s")
        try:
            store = dist.TCPStore(rdzv.master_addr, rdzv.master_port, is_master=False, timeout=_td(min(left, 2)),
                                  wait_for_workers=False)
            tag = store.get("tag").decode()
        except Exception:  # noqa: BLE001 - no store yet, or the previous scenario's went away: try again
            time.sleep(POLL_S)
            continue
        if tag == rdzv.tag:
            store.set(f"arrived/{rdzv.node_rank}", socket.gethostname())
            return store, store.get("backend").decode()
        order_text, key = tag.split(" ", 1)
        order = int(order_text)
        if order > rdzv.order:
            try:  # commands/farewell.py waits for the sweep's last one
                store.add(f"passed/{rdzv.node_rank}", 1)
                store.set(f"passed/{rdzv.node_rank}/{rdzv.order}", "1")
            except Exception:  # noqa: BLE001 - node 0 moved on: it needs no word
                pass
            if key == END_KEY:
                raise _PassedOver(f"node 0 passed over this scenario (its sweep ended without it; this is "
                                  f"#{rdzv.order})")
            raise _PassedOver(f"node 0 passed over this scenario (it serves #{order} of the sweep, this is "
                              f"#{rdzv.order})")
        del store
        deadline = max(deadline, time.monotonic() + rdzv.arrive_s)  # node 0 at work on an earlier one
        time.sleep(POLL_S)


class _PassedOver(Exception):
    pass


def _await_nodes(store: Any, rdzv: Rendezvous, world: int) -> Optional[RankFailure]:
    deadline = time.monotonic() + rdzv.arrive_left()
    missing = list(range(1, rdzv.nnodes))
    while missing:
        missing = [k for k in missing if not store.check([f"arrived/{k}"])]
        if missing and time.monotonic() > deadline:
            names = ", ".join(f"node {m} ({rdzv.ranks_of(m, world)})" for m in missing)
            where = f"{rdzv.master_addr}:{rdzv.master_port}"
            within = f"within {rdzv.arrive_s:.0f} s of the start (--timeout)"
            return RankFailure(-1, "timeout", f"{names} never arrived at {where} {within}")
        if missing:
            time.sleep(POLL_S)
    return None


def _encode(node: int, f: RankFailure) -> str:
    return json.dumps({"node": node, "rank": f.rank, "status": f.status, "reason": f.reason})


def _decode(text: bytes) -> RankFailure:
    d = json.loads(text.decode())
    return RankFailure(d["rank"], d["status"], f"node {d['node']} {d['reason']}")


def _remote_failures(store: Any, rdzv: Rendezvous) -> List[RankFailure]:
    out = []
    for k in range(1, rdzv.nnodes):
        if store.check([f"fail/{k}"]):
            out.append(_decode(store.get(f"fail/{k}")))
    return out


def _root(failures: List[RankFailure]) -> RankFailure:
    """A rank killed by a signal, else one whose error is not a broken connection, else the first."""
    for f in failures:
        if KILLED.search(f.reason):
            return f
    for f in failures:
        if not SECONDARY.search(f.reason):
            return f
    return failures[0]


class _Watch:
    """Polled by launch() while the local ranks run: another node's failure (node 0), or node 0's order
    to stop or its store gone (the other nodes). The other nodes beat (beat/<k>) at every poll, so that node 0
    can tell a node whose agent is gone (its lossbench or worker killed, its network down) from one whose ranks
    merely broke off."""

    def __init__(self, store: Any, rdzv: Rendezvous, world: int) -> None:
        self.store, self.rdzv, self.world, self.remote = store, rdzv, world, False
        now = time.monotonic()
        self.beats = {k: (-1, now) for k in range(1, rdzv.nnodes)}

    def silent(self) -> List[int]:
        """Nodes whose beat has not moved for BEAT_S (node 0 only)."""
        now, out = time.monotonic(), []
        for k, (last, since) in self.beats.items():
            v = int(self.store.add(f"beat/{k}", 0))
            if v != last:
                self.beats[k] = (v, now)
            elif now - since > BEAT_S:
                out.append(k)
        return out

    def gone(self, node: int) -> RankFailure:
        return RankFailure(-1, "error", f"node {node} ({self.rdzv.ranks_of(node, self.world)}) stopped "
                                                f"answering for {BEAT_S:.0f} s: its lossbench or worker died, or "
                                                "its network went down")

    def await_silent(self, seconds: float) -> Optional[RankFailure]:
        """After a local failure that only says a connection broke: another node's own failure, once it is
        written, or the node that went quiet, if one does."""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            found = _remote_failures(self.store, self.rdzv)
            if found:
                return _root(found)
            quiet = self.silent()
            if quiet:
                return self.gone(quiet[0])
            time.sleep(POLL_S)
        return None

    def __call__(self) -> Optional[RankFailure]:
        try:
            if self.rdzv.node_rank == 0:
                found = _remote_failures(self.store, self.rdzv)
                if found:
                    self.remote = True
                    time.sleep(0.5)  # other nodes failing for the same cause: let them say so
                    return _root(_remote_failures(self.store, self.rdzv))
                quiet = self.silent()
                if quiet:
                    self.remote = True
                    return self.gone(quiet[0])
                return None
            self.store.add(f"beat/{self.rdzv.node_rank}", 1)
            if self.store.check(["abort"]):
                self.remote = True
                return RankFailure(-1, "error", "node 0 ended the scenario")
        except Exception as e:  # noqa: BLE001 - the store is node 0's: it is gone
            self.remote = True
            return RankFailure(-1, "error", f"node 0's store at {self.rdzv.master_addr}:{self.rdzv.master_port} "
                                            f"went away ({type(e).__name__})")
        return None


def launch_across(task: Callable[..., Any], args: Tuple[Any, ...], world: int, device_type: str,
                  rdzv: Rendezvous, timeout_s: float, dist_timeout_s: float) -> Outcome:
    """This node's share of task(comm, *args) on `world` ranks over rdzv.nnodes nodes. Node 0 gets every
    rank's result (in rank order); the others get an empty list."""
    rdzv.check_world(world)
    ranks = rdzv.local_ranks(world)
    node = rdzv.node_rank
    deadline = time.monotonic() + rdzv.arrive_left()
    if node == 0:
        backend = group.choose_backend(device_type, len(ranks))
        store = _host(rdzv, backend)
        missing = _await_nodes(store, rdzv, world)
        if missing is not None:
            store.set("abort", "1")
            return Outcome([], missing, backend)
    else:
        try:
            store, backend = _join(rdzv, deadline)
        except _PassedOver as e:
            return Outcome([], RankFailure(ranks.start, "skipped", str(e)), "gloo")
        except TimeoutError as e:
            return Outcome([], RankFailure(ranks.start, "timeout", str(e)), "gloo")
    threads = max(1, (os.cpu_count() or 1) // len(ranks)) if device_type == "cpu" else None
    watch = _Watch(store, rdzv, world)
    out = launch(GatherTo0(task), args, world, device_type, timeout_s, dist_timeout_s, threads, ranks=ranks,
                 join=group.StoreJoin(rdzv.master_addr, rdzv.master_port), backend=backend, poll=watch)
    if out.failure is None:
        return _finish_ok(store, rdzv, out)
    failure = out.failure
    if not watch.remote:  # one of ours failed
        local = RankFailure(failure.rank, failure.status, f"node {node} {failure.reason}")
        if node != 0:
            try:
                store.set(f"fail/{node}", _encode(node, failure))
            except Exception:  # noqa: BLE001 - node 0 gone already: nobody to tell
                pass
            return Outcome([], local, backend)
        time.sleep(0.5)  # another node's rank may be the cause: let it say so
        failure = _root([local] + _remote_failures(store, rdzv))
        if failure is local and SECONDARY.search(local.reason):  # a peer broke off: was its node lost?
            found = watch.await_silent(BEAT_S + 1)
            failure = _root([found, local]) if found is not None else local
    if node == 0:
        store.set("abort", "1")
    return Outcome([], failure, backend)


def _finish_ok(store: Any, rdzv: Rendezvous, out: Outcome) -> Outcome:
    if rdzv.node_rank != 0:
        try:
            store.set(f"done/{rdzv.node_rank}", "1")
        except Exception:  # noqa: BLE001
            pass
        return Outcome([], None, out.backend)
    # keep the store up until the other nodes' ranks are through (a few seconds at most)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not all(store.check([f"done/{k}"]) for k in range(1, rdzv.nnodes)):
        time.sleep(POLL_S / 2)
    return Outcome(out.results[0], None, out.backend)
