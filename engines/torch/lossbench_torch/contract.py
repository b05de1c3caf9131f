"""The contract with the TypeScript side (contract/strategies.json, written by `npm run contract` from
src/distributed/registry.ts): the strategies and their byte, round, FLOP and memory-term formulas, the
losses and impls, the initial scalars, the tolerances, the scenario id format and the timing rule. This
module only reads it (no torch), so that both engines hold one definition; test/contract.test.ts checks
its evaluation against TypeScript's at W = 1..8 (`python -m lossbench_torch.contract W...` prints it).

The formulas are integer arithmetic over W, b, n, D in the grammar of src/util/expr.ts, evaluated here
through Python's own parser with only those operations allowed."""
from __future__ import annotations

import ast
import json
import math
import os
import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Tuple

# <repo>/contract/strategies.json; LOSSBENCH_CONTRACT names another copy (the engine away from its repo).
DEFAULT_PATH = Path(__file__).resolve().parents[3] / "contract" / "strategies.json"

_FUNCTIONS: Dict[str, Callable[..., float]] = {"floor": math.floor, "min": min, "max": max}
_BINARY: Dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
}


def _int(x: float) -> int:
    """A count: formulas of the contract are integers for integer sizes."""
    if x != int(x):
        raise ValueError(f"a formula gave {x}, not an integer")
    return int(x)


def _mod(a: float, b: float) -> float:
    if a < 0 or b < 0:
        raise ValueError(f"'%' of a negative number ({a} % {b})")
    return a % b


def compile_formula(source: str) -> Callable[[Mapping[str, float]], float]:
    """A formula of the contract as a function of its variables; ValueError names what is not allowed."""
    tree = ast.parse(source, mode="eval").body

    def build(node: ast.AST) -> Callable[[Mapping[str, float]], float]:
        if isinstance(node, ast.Constant) and isinstance(node.value, int) and not isinstance(node.value, bool):
            k = node.value
            return lambda v: k
        if isinstance(node, ast.Name):
            name = node.id
            return lambda v: v[name]
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            a = build(node.operand)
            return lambda v: -a(v)
        if isinstance(node, ast.BinOp) and (type(node.op) in _BINARY or isinstance(node.op, ast.Mod)):
            a, b = build(node.left), build(node.right)
            op = _mod if isinstance(node.op, ast.Mod) else _BINARY[type(node.op)]
            return lambda v: op(a(v), b(v))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _FUNCTIONS \
                and not node.keywords:
            fn, args = _FUNCTIONS[node.func.id], [build(x) for x in node.args]
            return lambda v: fn(*(a(v) for a in args))
        raise ValueError(f"formula {source!r}: {ast.dump(node)[:60]} is not in the contract's grammar")

    return build(tree)


@dataclass(frozen=True)
class Phase:
    blocks: int  # bytes sent (= received) per device, in multiples of E
    rounds: int


Formula = Dict[str, Dict[str, Phase]]  # kind → phase → traffic


@dataclass(frozen=True)
class Strategy:
    key: str
    loss: str
    name: str
    description: str
    one_device: bool
    raw: Dict[str, Any]

    def comm(self, world: int) -> Formula:
        v = {"W": world}
        return {kind: {ph: Phase(_int(_formula(f["blocks"])(v)), _int(_formula(f["rounds"])(v)))
                       for ph, f in phases.items()}
                for kind, phases in self.raw["comm"].items()}

    def _vars(self, world: int, b: int, dim: int) -> Dict[str, int]:
        return {"W": world, "b": b, "n": world * b, "D": dim}

    def flops(self, impl: str, world: int, b: int, dim: int) -> int:
        return _int(_formula(self.raw["flops"][impl])(self._vars(world, b, dim)))

    def logit_block(self, world: int, b: int, dim: int) -> Tuple[int, int]:
        rows, cols = (_int(_formula(f)(self._vars(world, b, dim))) for f in self.raw["logitBlock"])
        return rows, cols

    def held_features(self, world: int, b: int, dim: int) -> int:
        return _int(_formula(self.raw["heldFeatures"])(self._vars(world, b, dim)))


@lru_cache(maxsize=None)
def _formula(source: str) -> Callable[[Mapping[str, float]], float]:
    return compile_formula(source)


@lru_cache(maxsize=1)
def contract() -> Dict[str, Any]:
    path = Path(os.environ.get("LOSSBENCH_CONTRACT") or DEFAULT_PATH)
    with open(path, encoding="utf-8") as f:
        return json.load(f)


@lru_cache(maxsize=1)
def _strategies() -> Dict[str, Strategy]:
    return {s["key"]: Strategy(s["key"], s["loss"], s["name"], s["description"], s["oneDevice"], s)
            for s in contract()["strategies"]}


def strategy(loss: str, name: str) -> Strategy:
    s = _strategies().get(f"{loss}/{name}")
    if s is None:
        raise ValueError(f"unknown strategy {loss}/{name}")
    return s


def strategy_names(loss: str) -> Tuple[str, ...]:
    return tuple(s.name for s in _strategies().values() if s.loss == loss)


def all_strategies() -> List[Strategy]:
    return list(_strategies().values())


def comm_formula(loss: str, name: str, world: int) -> Formula:
    """Per collective kind, forward and backward: what one device sends in one step (all devices alike)."""
    return strategy(loss, name).comm(world)


@dataclass(frozen=True)
class CommBytes:
    bytes_sent: int
    bytes_received: int
    rounds: int


def predicted_comm(loss: str, name: str, world: int, local_batch: int, dim: int, bytes_per_element: int) -> CommBytes:
    """Bytes sent/received and rounds per device per step (forward + backward)."""
    e = bytes_per_element * local_batch * dim
    blocks = rounds = 0
    for phases in comm_formula(loss, name, world).values():
        for ph in phases.values():
            blocks += ph.blocks
            rounds += ph.rounds
    return CommBytes(blocks * e, blocks * e, rounds)


def scenario_id(**fields: Any) -> str:
    """The TypeScript scenarioId: the contract's format with {field} replaced, a segment whose field is
    None left out (naive has no tile width: clip/naive/single/N256/W1/D64)."""
    fmt: str = contract()["scenarioId"]
    keep = [seg for seg in fmt.split("/")
            if all(fields.get(k) is not None for k in re.findall(r"\{(\w+)\}", seg))]
    return "/".join(keep).format(**fields)


def _dump(worlds: List[int]) -> Dict[str, Any]:
    """Everything the contract's formulas give at these W (b = 3, D = 5): what test/contract.test.ts compares."""
    out: Dict[str, Any] = {}
    for s in all_strategies():
        for w in worlds:
            out[f"{s.key}@{w}"] = {
                "comm": {k: {ph: [p.blocks, p.rounds] for ph, p in v.items()} for k, v in s.comm(w).items()},
                "bytes": vars(predicted_comm(s.loss, s.name, w, 3, 5, 4)),
                "flops": {impl: s.flops(impl, w, 3, 5) for impl in contract()["impls"]},
                "logitBlock": list(s.logit_block(w, 3, 5)),
                "heldFeatures": s.held_features(w, 3, 5),
            }
    return out


if __name__ == "__main__":
    json.dump(_dump([int(a) for a in sys.argv[1:]] or list(range(1, 9))), sys.stdout)
    sys.stdout.write("\n")
