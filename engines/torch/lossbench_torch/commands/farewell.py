"""`farewell`: node 0, at the end of a sweep across nodes whose last distributed scenarios it did not serve
(skipped, done before a --resume, past its time budget), tells the other nodes so.

The other nodes wait at node 0's store for each scenario until node 0 serves it or a later one (then it was
passed over there); after the last one nothing later comes, and they would wait out their --timeout. This
hosts the store once more with the tag `<end> end`, past every scenario of the sweep, until each other node
has passed over the sweep's last distributed scenario (`passed/<node>/<order>`, set by nodes.py), or until
none has made progress for `quiet_s` (a node that is gone, or was started with other flags)."""
from __future__ import annotations

import sys
import time

from ..distributed.nodes import END_KEY, POLL_S, host_store


def main(master_addr: str, master_port: int, nnodes: int, end: int, last: int, quiet_s: float) -> int:
    store = host_store(master_addr, master_port, "gloo", f"{end} {END_KEY}")
    others = range(1, nnodes)
    progress, since = -1, time.monotonic()
    while True:
        waiting = [k for k in others if not store.check([f"passed/{k}/{last}"])]
        if not waiting:
            sys.stderr.write(f"node 0: every other node has passed the sweep's end (#{last})\n")
            return 0
        moved = sum(int(store.add(f"passed/{k}", 0)) for k in others)
        if moved != progress:
            progress, since = moved, time.monotonic()
        elif time.monotonic() - since > quiet_s:
            names = ", ".join(f"node {k}" for k in waiting)
            sys.stderr.write(f"node 0: {names} did not pass the sweep's end (#{last}) within {quiet_s:.0f} s "
                             "of its last word; not waiting longer\n")
            return 0
        time.sleep(POLL_S)
