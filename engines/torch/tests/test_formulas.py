"""The Python formula table against values worked out by hand from src/distributed/formulas.ts
(the counted collectives are held to the same table in test_strategies.py)."""
from __future__ import annotations

import unittest

import support  # noqa: F401

from lossbench_torch.distributed.formulas import comm_formula, predicted_comm

# (loss, strategy) → W → total blocks of E and rounds per device per step (fwd + bwd)
EXPECTED = {
    ("clip", "single"): {1: (0, 0), 2: (0, 0), 3: (0, 0), 4: (0, 0)},
    ("siglip", "single"): {1: (0, 0), 2: (0, 0), 3: (0, 0), 4: (0, 0)},
    ("clip", "allgather-global"): {1: (0, 0), 2: (2, 2), 3: (4, 4), 4: (6, 6)},
    ("clip", "allgather-local"): {1: (0, 0), 2: (4, 4), 3: (8, 8), 4: (12, 12)},
    ("clip", "ring"): {1: (0, 0), 2: (6, 3), 3: (12, 5), 4: (18, 7)},  # 6(W−1) blocks, 2W−1 rounds
    ("siglip", "allgather"): {1: (0, 0), 2: (2, 2), 3: (4, 4), 4: (6, 6)},
    ("siglip", "ring"): {1: (0, 0), 2: (2, 2), 3: (4, 4), 4: (6, 6)},
    # ⌊(W−1)/2⌋ two-way rounds (2 blocks each) + (W−1) mod 2 one-way rounds, each way of the step
    ("siglip", "ring-bidir"): {1: (0, 0), 2: (2, 2), 3: (4, 2), 4: (6, 4)},
}


class Formulas(unittest.TestCase):
    def test_totals(self) -> None:
        b, d = 5, 7
        for (loss, strategy), by_world in EXPECTED.items():
            for w, (blocks, rounds) in by_world.items():
                with self.subTest(loss=loss, strategy=strategy, world=w):
                    got = predicted_comm(loss, strategy, w, b, d, 4)
                    self.assertEqual((got.bytes_sent, got.bytes_received, got.rounds), (blocks * 4 * b * d, blocks * 4 * b * d, rounds))

    def test_phases(self) -> None:
        f = comm_formula("clip", "ring", 4)
        self.assertEqual((f["ring"]["fwd"].blocks, f["ring"]["fwd"].rounds), (6, 3))
        self.assertEqual((f["ring"]["bwd"].blocks, f["ring"]["bwd"].rounds), (12, 4))
        f = comm_formula("clip", "allgather-local", 3)
        self.assertEqual(f["all-gather"]["bwd"].blocks, 0)
        self.assertEqual((f["reduce-scatter"]["bwd"].blocks, f["reduce-scatter"]["bwd"].rounds), (4, 4))
        f = comm_formula("siglip", "ring-bidir", 4)
        self.assertEqual((f["ring-bidir"]["fwd"].blocks, f["ring"]["fwd"].blocks), (2, 1))

    def test_unknown(self) -> None:
        with self.assertRaises(ValueError):
            comm_formula("clip", "ring-bidir", 2)


if __name__ == "__main__":
    unittest.main()
