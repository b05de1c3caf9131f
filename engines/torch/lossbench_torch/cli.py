"""Command line: info | impls | verify | linkprobe | farewell | overhead | step | ranks | worker (see README.md)."""
from __future__ import annotations

import argparse
import os
import sys
from typing import List, Optional

USAGE_ERROR = 2


def _sizes(text: str) -> List[int]:
    try:
        sizes = [int(s) for s in text.split(",") if s.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated byte counts, got {text!r}") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"expected positive byte counts, got {text!r}")
    return sizes


def _names(text: str) -> List[str]:
    from .impls.registry import NAMES, is_impl_name

    names = [t.strip() for t in text.split(",") if t.strip()]
    bad = [n for n in names if not is_impl_name(n)]
    if not names or bad:
        raise argparse.ArgumentTypeError(f"expected some of {', '.join(NAMES)} or py:<module>:<factory>, got "
                                         f"{', '.join(bad) or repr(text)}")
    return list(dict.fromkeys(names))


def _seed(text: str) -> int:
    if not text.strip().isdigit():
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {text!r}")
    return int(text)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python3 -m lossbench_torch", description="lossbench's PyTorch engine")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("info", help="Python, torch, CUDA, NCCL, gloo and GPUs as one JSON object")
    sub.add_parser("impls", help="each loss implementation, its version and whether it runs here (JSON)")
    sub.add_parser("worker", help="run the scenario in LOSSBENCH_JOB, report to LOSSBENCH_REPORT (protocol 1)")
    v = sub.add_parser("verify", help="every loss × impl × strategy against the float64 reference")
    v.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    v.add_argument("--dtype", choices=("fp32", "tf32", "bf16"), default="fp32")
    v.add_argument("--seed", type=_seed, default=1, help="seed of the random inputs (default 1)")
    v.add_argument("--impl", type=_names, help="implementations, comma-separated (default: lossbench's own)")
    lp = sub.add_parser("linkprobe", help="all-gather and send/recv bandwidth between W ranks")
    lp.add_argument("--world", type=int, required=True)
    lp.add_argument("--bytes", type=_sizes, required=True, help="message sizes, e.g. 4096,1048576")
    lp.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    lp.add_argument("--iters", type=int, default=20)
    lp.add_argument("--warmup", type=int, default=3)
    lp.add_argument("--nnodes", type=int, default=1, help="across nodes: how many (each runs this command)")
    lp.add_argument("--node-rank", type=int, default=0)
    lp.add_argument("--master-addr", default="127.0.0.1", help="node 0's address")
    lp.add_argument("--master-port", type=int, default=29500)
    lp.add_argument("--arrive-timeout", type=float, default=240.0, help="s node 0 waits for the others")
    fw = sub.add_parser("farewell", help="node 0 after its sweep: the other nodes' last scenarios were passed over")
    fw.add_argument("--nnodes", type=int, required=True)
    fw.add_argument("--master-addr", required=True)
    fw.add_argument("--master-port", type=int, required=True)
    fw.add_argument("--end", type=int, required=True, help="a place past the sweep's last scenario")
    fw.add_argument("--last", type=int, required=True, help="the place of the sweep's last distributed scenario")
    fw.add_argument("--quiet", type=float, default=30.0, help="s without word from the other nodes to give up")
    oh = sub.add_parser("overhead", help="the harness's time per step against a bare loop of the same step")
    oh.add_argument("--loss", choices=("clip", "siglip"), required=True)
    oh.add_argument("--impl", default="chunked")
    oh.add_argument("--n", type=_sizes, required=True, help="batch sizes, e.g. 1024,8192")
    oh.add_argument("--dim", type=int, default=512)
    oh.add_argument("--chunk", type=int, default=4096)
    oh.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    oh.add_argument("--dtype", choices=("fp32", "tf32", "bf16"), default="fp32")
    oh.add_argument("--steps", type=int, default=20, help="steps per round and loop")
    oh.add_argument("--rounds", type=int, default=5, help="bare and harness alternate this many times")
    st = sub.add_parser("step", help="one step on inputs from a file; loss and gradients to --out")
    st.add_argument("--inputs", required=True)
    st.add_argument("--loss", choices=("clip", "siglip"), required=True)
    st.add_argument("--impl", choices=("naive", "chunked"), required=True)
    st.add_argument("--strategy", default="single")
    st.add_argument("--world", type=int, default=1)
    st.add_argument("--chunk", type=int, default=64)
    st.add_argument("--n", type=int, help="N (or give --dim)")
    st.add_argument("--dim", type=int, help="D (or give --n)")
    st.add_argument("--out")
    st.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    st.add_argument("--dtype", choices=("fp32", "tf32", "bf16"), default="fp32")
    rk = sub.add_parser("ranks", help="strategy steps at one W from a JSON job; each rank's outputs and ledger")
    rk.add_argument("--job", required=True)
    rk.add_argument("--out", required=True)
    rk.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    return p


def main(argv: Optional[List[str]] = None) -> int:
    if argv and argv[0] == "__rank":  # one rank of distributed/launch.py (internal: no usage, no help)
        from .distributed.launch import rank_main

        return rank_main(argv[1], int(argv[2]))
    args = parser().parse_args(argv)
    try:
        if args.command == "worker":
            from .worker import main as worker_main

            return worker_main()
        if args.command == "info":
            from .commands.info import main as info_main

            return info_main()
        if args.command == "impls":
            from .commands.impls import main as impls_main

            return impls_main()
        if args.command == "verify":
            from .commands.verify import main as verify_main

            return verify_main(args.device, args.dtype, args.seed, args.impl)
        if args.command == "linkprobe":
            from .commands.linkprobe import main as probe_main

            rdzv = None
            if args.nnodes > 1:
                from .distributed.rendezvous import parse_rendezvous

                rdzv = parse_rendezvous({"nnodes": args.nnodes, "nodeRank": args.node_rank,
                                         "masterAddr": args.master_addr, "masterPort": args.master_port,
                                         "order": -1, "arriveTimeoutMs": int(args.arrive_timeout * 1000)},
                                        "linkprobe")
                rdzv.check_world(args.world)
            return probe_main(args.world, args.bytes, args.device, args.iters, args.warmup, rdzv)
        if args.command == "farewell":
            from .commands.farewell import main as farewell_main

            return farewell_main(args.master_addr, args.master_port, args.nnodes, args.end, args.last, args.quiet)
        if args.command == "overhead":
            from .commands.overhead import main as overhead_main

            return overhead_main(args.loss, args.impl, args.n, args.dim, args.chunk, args.device, args.dtype,
                                 args.steps, args.rounds)
        if args.command == "ranks":
            from .commands.ranks import main as ranks_main

            return ranks_main(args.job, args.out, args.device)
        from .commands.step import main as step_main

        return step_main(args.inputs, args.loss, args.impl, args.strategy, args.world, args.chunk, args.n,
                         args.dim, args.out, args.device, args.dtype)
    except Exception as e:  # noqa: BLE001 - one clear line on stderr; the worker also leaves a report
        from .report import classify, empty_report, one_line, write_atomic

        line = one_line(e)
        sys.stderr.write(f"lossbench_torch {args.command}: {classify(e)}: {line}\n")
        path = os.environ.get("LOSSBENCH_REPORT")
        if args.command == "worker" and path:
            try:
                report = empty_report()
                report.update(status=classify(e), reason=line)
                write_atomic(path, report)
                return 0
            except Exception:  # noqa: BLE001
                pass
        return 1
