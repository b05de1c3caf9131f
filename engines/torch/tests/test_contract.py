"""The contract reader without torch: its formula language accepts the grammar of src/util/expr.ts and
nothing else, and the ids and names it serves are the TypeScript ones. (test/contract.test.ts compares
every formula's value with TypeScript's at W = 1..8.)"""
from __future__ import annotations

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from lossbench_torch.contract import compile_formula, comm_formula, predicted_comm, scenario_id, strategy  # noqa: E402


class Contract(unittest.TestCase):
    def test_grammar(self) -> None:
        f = compile_formula("2*floor((W-1)/2) + (W-1)%2 - min(W, 3) + max(b, -D)")
        self.assertEqual(f({"W": 4, "b": 1, "D": 2}), 2 * 1 + 1 - 3 + 1)
        for bad in ("W**2", "__import__('os')", "W if W else 1", "x.y", "1.5*W", "abs(W)", "W < 2", "[W]"):
            with self.subTest(bad=bad), self.assertRaises((ValueError, SyntaxError)):
                compile_formula(bad)({"W": 1, "x": 1})
        with self.assertRaises(ValueError):
            compile_formula("(W-2)%2")({"W": 1})  # '%' of a negative: languages disagree, the grammar refuses

    def test_served(self) -> None:
        self.assertEqual(scenario_id(loss="clip", impl="naive", strategy="ring", n=8, world=2, dim=4, chunk=2),
                         "clip/naive/ring/N8/W2/D4/c2")
        # naive has no tile width: its segment is left out, as in TypeScript's scenarioId
        self.assertEqual(scenario_id(loss="clip", impl="naive", strategy="ring", n=8, world=2, dim=4, chunk=None),
                         "clip/naive/ring/N8/W2/D4")
        self.assertEqual(predicted_comm("clip", "ring", 1, 3, 5, 4).bytes_sent, 0)
        self.assertEqual(set(comm_formula("siglip", "ring-bidir", 4)), {"ring-bidir", "ring"})
        self.assertTrue(strategy("clip", "single").one_device)
        with self.assertRaises(ValueError):
            strategy("clip", "ring-bidir")


if __name__ == "__main__":
    unittest.main()
