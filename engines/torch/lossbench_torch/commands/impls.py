"""`impls`: each implementation, its version and whether it runs here — probed by one tiny step per loss on
the device (CUDA when there is one, else the CPU; W = 2 gloo ranks for the ring-only ones) and checked
against the float64 reference. One JSON object on stdout."""
from __future__ import annotations

import json
from typing import Any, Dict, List

import torch

from ..cases import hard_inputs
from ..impls.cases import ImplCase, run_impl_cases
from ..impls.contract import Unsupported
from ..impls.registry import ENTRIES, version_of
from ..measure.accuracy import errors, reference_blocks, verdict

RING_ONLY = {"infcl-ring": "ring"}


def _probe(name: str, loss: str, device: str) -> Dict[str, Any]:
    strategy = RING_ONLY.get(name, "single")
    world = 2 if name in RING_ONLY else 1
    inp = hard_inputs(loss, 64, 64, 7)
    try:
        if device == "cuda" and world == 1:
            from ..impls.registry import factory
            from ..impls.contract import Request

            req = Request(loss, strategy, 1, 0, None, "fp32", torch.device("cuda"), 64, 64, 64, 16)
            r = factory(name)(req)(*(v.cuda() for v in (inp.x, inp.y, inp.t_prime, inp.bias)))
            from ..impls.normalise import shares

            outputs = [None if t is None else t.cpu() for t in shares(r, 1)]
        else:
            res = run_impl_cases([ImplCase(loss, name, strategy, inp)], world, timeout_s=120)[0]
            if res.unsupported:
                return {"loss": loss, "runs": False, "reason": res.unsupported}
            outputs = res.outputs
    except Unsupported as e:
        return {"loss": loss, "runs": False, "reason": str(e)}
    except Exception as e:  # noqa: BLE001 - a crash is an answer too
        return {"loss": loss, "runs": False, "reason": f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"}
    v = verdict(errors(outputs, reference_blocks(loss, inp, torch.device("cpu"))), "fp32")
    where = "cpu, W = 2 gloo ranks" if world == 2 else device
    return {"loss": loss, "runs": True, "reason": f"ran on {where}; accuracy {v}"}


def impls() -> Dict[str, Any]:
    device = "cuda" if torch.cuda.is_available() else "cpu"
    out: List[Dict[str, Any]] = []
    for name, e in ENTRIES.items():
        out.append({"name": name, "package": e.package, "version": version_of(name), "losses": list(e.losses),
                    "strategies": e.strategies, "probes": [_probe(name, loss, device) for loss in e.losses]})
    return {"device": device, "impls": out}


def main() -> int:
    print(json.dumps(impls()))
    return 0
