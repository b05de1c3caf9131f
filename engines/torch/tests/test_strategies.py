"""Every strategy × impl at W = 1, 2, 3, 4 (gloo on CPU; one spawned set of 4 ranks serves W = 2, 3, 4
through sub-groups, all cases in one go): the assembled gradients equal the float64 reference, and every rank's counted traffic equals
the contract's formulas, kind by kind and phase by phase."""
from __future__ import annotations

import math
import unittest
from typing import Dict, List, Tuple

import support  # noqa: F401

from lossbench_torch.cases import T100, hard_inputs
from lossbench_torch.compare import passes, step_errors, textbook_inexact
from lossbench_torch.distributed.cases import Case, CaseResult, run_case_sets
from lossbench_torch.contract import comm_formula
from lossbench_torch.reference import reference_step

STRATEGIES = {"clip": ("allgather-global", "allgather-local", "ring"), "siglip": ("allgather", "ring", "ring-bidir")}
B, D, C = 5, 8, 3  # tiles of 3 and 2 in every local block: ragged
WORLDS = (1, 2, 3, 4)
TIMEOUT_S = 120  # a hung collective fails the test instead of hanging it

_results: Dict[int, List[Tuple[Case, str, CaseResult]]] = {}


def _cases(world: int) -> List[Tuple[Case, str]]:
    out = []
    kinds = [("random", T100), ("random", None)]
    if world == 2:
        kinds += [("correlated", T100), ("duplicates", None)]
    seed = 100 * world
    for loss, strategies in STRATEGIES.items():
        for strategy in strategies:
            for impl in ("naive", "chunked"):
                for kind, tp in kinds:
                    seed += 1
                    inp = hard_inputs(loss, B * world, D, seed, kind, tp)
                    out.append((Case(loss, impl, strategy, C, inp), f"{kind} t'={tp}"))
    return out


def results(world: int) -> List[Tuple[Case, str, CaseResult]]:
    if not _results:
        cases = {w: _cases(w) for w in WORLDS}
        got = run_case_sets({w: [c for c, _ in cs] for w, cs in cases.items()}, "cpu", timeout_s=TIMEOUT_S)
        for w, cs in cases.items():
            _results[w] = [(c, label, r) for (c, label), r in zip(cs, got[w])]
    return _results[world]


def normalised(ledger: Dict[str, Dict[str, Dict[str, int]]]) -> Dict[str, Dict[str, Tuple[int, int, int]]]:
    out = {k: {ph: (v["sent"], v["received"], v["rounds"]) for ph, v in phases.items()} for k, phases in ledger.items()}
    return {k: v for k, v in out.items() if any(x != (0, 0, 0) for x in v.values())}


def expected(loss: str, strategy: str, world: int) -> Dict[str, Dict[str, Tuple[int, int, int]]]:
    e = 4 * B * D  # float32 features
    f = comm_formula(loss, strategy, world)
    return normalised({k: {ph: {"sent": p.blocks * e, "received": p.blocks * e, "rounds": p.rounds}
                           for ph, p in phases.items()} for k, phases in f.items()})


class Strategies(unittest.TestCase):
    def check_world(self, world: int) -> None:
        for case, label, r in results(world):
            with self.subTest(loss=case.loss, strategy=case.strategy, impl=case.impl, world=world, inputs=label):
                errs = step_errors(r.result, reference_step(case.loss, case.inputs))
                # naive CLIP is the textbook form: on correlated pairs its error is a finding (finite)
                textbook = textbook_inexact(case.loss, case.impl, case.strategy, label.split()[0])
                self.assertTrue(passes(errs, math.inf if textbook else 1e-4), f"gradients: {errs}")
                self.assertEqual(len(r.ledgers), world)
                want = expected(case.loss, case.strategy, world)
                for rank, ledger in enumerate(r.ledgers):
                    self.assertEqual(normalised(ledger), want, f"traffic of rank {rank}")

    def test_world_1(self) -> None:
        self.check_world(1)

    def test_world_2(self) -> None:
        self.check_world(2)

    def test_world_3(self) -> None:
        self.check_world(3)

    def test_world_4(self) -> None:
        self.check_world(4)


if __name__ == "__main__":
    unittest.main()
