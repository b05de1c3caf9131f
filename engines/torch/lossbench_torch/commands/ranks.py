"""`ranks`: many strategy steps at one W on inputs from files, each rank's own outputs and ledger as JSON —
what test/torch-engine.test.ts compares with the tfjs engine's devices on bit-identical inputs. The job
(JSON): {"world": W, "cases": [{"loss", "impl", "strategy", "chunk", "n", "inputs": path}, ...]}; the
output: {"cases": [{"ranks": [{"loss", "dx", "dy", "dt", "db", "scalars", "ledger"}, ...]}, ...]}."""
from __future__ import annotations

import json
import os
from typing import Any, Dict, List

import torch

from .. import inputs as inputs_mod
from ..distributed.cases import Case, run_cases


def _floats(t: Any) -> Any:
    if t is None:
        return None
    v = t.detach().float().cpu().reshape(-1).tolist()
    return v[0] if t.dim() == 0 else v


def main(job_path: str, out_path: str, device: str) -> int:
    with open(job_path, encoding="utf-8") as f:
        job = json.load(f)
    world = int(job["world"])
    cases: List[Case] = []
    for c in job["cases"]:
        n = int(c["n"])
        d = (os.path.getsize(c["inputs"]) // 4 - 2) // (2 * n)
        cases.append(Case(c["loss"], c["impl"], c["strategy"], int(c["chunk"]), inputs_mod.read(c["inputs"], n, d)))
    torch.set_num_threads(1)
    results = run_cases(cases, world, device)
    out: Dict[str, Any] = {"cases": [
        {"ranks": [{**{k: _floats(r[k]) for k in ("loss", "dx", "dy", "dt", "db")}, "scalars": r["scalars"],
                    "ledger": r["ledger"]} for r in res.ranks]} for res in results]}
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump(out, f)
    return 0
