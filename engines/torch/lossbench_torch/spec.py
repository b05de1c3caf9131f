"""The scenario spec and the worker job (protocol 1), validated as the TypeScript side does (spec.ts);
names, initial scalars and the id format come from the contract (contract.py)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Optional, Tuple

from .contract import contract, strategy_names
from .contract import scenario_id as contract_scenario_id
from .distributed.rendezvous import Rendezvous, parse_rendezvous
from .impls.registry import NAMES as IMPL_NAMES, ImplError, is_impl_name

LOSSES: Tuple[str, ...] = tuple(contract()["losses"])
# lossbench's own; --impl also takes impls/registry.py's names and py:<module>:<factory>
IMPLS: Tuple[str, ...] = tuple(contract()["impls"])
# lossbench's own strategies (every one with naive and chunked) ...
STRATEGIES: Dict[str, Tuple[str, ...]] = {loss: strategy_names(loss) for loss in LOSSES}
# ... and the distributed modes of third-party implementations that have no lossbench counterpart
# (docs/implementations.md): open_clip's gather_with_grad without local_loss, local_loss without
# gather_with_grad (its gradient is wrong), and SigLIP's dist_impl='reduce'.
THIRD_PARTY_STRATEGIES: Dict[str, Tuple[str, ...]] = {
    "clip": ("allgather-global-grad", "allgather-local-nograd"),
    "siglip": ("allreduce",),
}
ALL_STRATEGIES: Dict[str, Tuple[str, ...]] = {k: v + THIRD_PARTY_STRATEGIES[k] for k, v in STRATEGIES.items()}
DEVICES = ("cpu", "cuda")
DTYPES = ("fp32", "tf32", "bf16")

# Initial scalars (the contract's, from src/losses/types.ts): CLIP t' = log(1/0.07); SigLIP t' = log 10, β = −10.
INIT: Dict[str, Dict[str, float]] = {
    loss: {"t_prime": v["tPrime"], "bias": v["bias"]} for loss, v in contract()["init"].items()
}


class SpecError(ValueError):
    """A job or spec that cannot run (bad field); the message names the field."""


@dataclass(frozen=True)
class Spec:
    loss: str
    impl: str
    strategy: str
    n: int
    world: int
    local_batch: int
    dim: int
    chunk: Optional[int]  # tile width of chunked; None for naive (it has none)
    warmup: int = 1
    samples: int = 3
    time_budget_ms: int = 1000
    seed: int = 0
    link: str = ""

    @property
    def id(self) -> str:
        return scenario_id(self.loss, self.impl, self.strategy, self.n, self.world, self.dim, self.chunk)


@dataclass(frozen=True)
class Job:
    spec: Spec
    device: str
    dtype: str
    inputs_path: Optional[str]
    rendezvous: Optional[Rendezvous] = None  # across nodes: where this node's ranks meet the others'
    overlap: bool = True  # rings post their next round before computing (distributed/pending.py)


def scenario_id(loss: str, impl: str, strategy: str, n: int, world: int, dim: int, chunk: Optional[int]) -> str:
    return contract_scenario_id(loss=loss, impl=impl, strategy=strategy, n=n, world=world, dim=dim, chunk=chunk)


def _int(d: Dict[str, Any], key: str, minimum: int, default: Optional[int] = None) -> int:
    v = d.get(key, default)
    if isinstance(v, bool) or not isinstance(v, int) or v < minimum:
        raise SpecError(f"{key}: expected an integer >= {minimum}, got {v!r}")
    return v


def _choice(d: Dict[str, Any], key: str, allowed: tuple, default: Optional[str] = None) -> str:
    v = d.get(key, default)
    if v not in allowed:
        raise SpecError(f"{key}: expected one of {', '.join(allowed)}, got {v!r}")
    return v


def parse_spec(d: Dict[str, Any]) -> Spec:
    loss = _choice(d, "loss", LOSSES)
    impl = d.get("impl")
    if not isinstance(impl, str) or not is_impl_name(impl):
        raise SpecError(str(ImplError(f"impl: expected one of {', '.join(IMPL_NAMES)} or py:<module>:<factory>, "
                                      f"got {impl!r}")))
    strategy = _choice(d, "strategy", ALL_STRATEGIES[loss])
    n, world, b = _int(d, "n", 1), _int(d, "world", 1), _int(d, "localBatch", 1)
    if n != world * b:
        raise SpecError(f"n: N = {n} is not world × localBatch = {world} × {b}")
    if strategy == "single" and world != 1:
        raise SpecError(f"world: strategy 'single' runs on one device, got world {world}")
    link = d.get("link", "")  # the Link of the modelled comm time (src/model/comm.ts), kept by name of the modelled comm time (src/model/comm.ts): its name
    if isinstance(link, dict):
        link = link.get("name", "")
    return Spec(
        loss=loss, impl=impl, strategy=strategy, n=n, world=world, local_batch=b,
        dim=_int(d, "dim", 1), chunk=None if impl == "naive" else _int(d, "chunk", 1), warmup=_int(d, "warmup", 0, 1),
        samples=_int(d, "samples", 1, 3), time_budget_ms=_int(d, "timeBudgetMs", 1, 1000),
        seed=_int(d, "seed", 0, 0), link=link if isinstance(link, str) else "",
    )


def parse_job(d: Any) -> Job:
    if not isinstance(d, dict):
        raise SpecError("job: expected a JSON object")
    if d.get("protocol") != 1:
        raise SpecError(f"protocol: this worker speaks protocol 1, got {d.get('protocol')!r}")
    if d.get("engine", "torch") != "torch":
        raise SpecError(f"engine: expected 'torch', got {d.get('engine')!r}")
    spec = d.get("spec")
    if not isinstance(spec, dict):
        raise SpecError("spec: expected a JSON object")
    overlap = d.get("overlap", True)
    if not isinstance(overlap, bool):
        raise SpecError(f"overlap: expected true or false, got {overlap!r}")
    path = d.get("inputsPath")
    if path is not None and not isinstance(path, str):
        raise SpecError(f"inputsPath: expected a string, got {path!r}")
    parsed = parse_spec(spec)
    try:
        rdzv = parse_rendezvous(d.get("rendezvous"), parsed.id)
        if rdzv is not None and parsed.world > 1:
            rdzv.check_world(parsed.world)
    except ValueError as e:
        raise SpecError(str(e)) from None
    return Job(spec=parsed, device=_choice(d, "device", DEVICES, "cpu"),
               dtype=_choice(d, "dtype", DTYPES, "fp32"), inputs_path=path or None,
               rendezvous=rdzv, overlap=overlap)
