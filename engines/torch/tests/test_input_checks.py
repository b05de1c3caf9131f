"""Input the engine is given is used or refused by name: verify's --seed, LOSSBENCH_DIST_TIMEOUT_S."""
from __future__ import annotations

import os
import unittest
from unittest import mock

import support  # noqa: F401

import torch

from lossbench_torch import cli, scenario
from lossbench_torch.commands import verify
from lossbench_torch.env import positive_seconds


class DistTimeout(unittest.TestCase):
    def test_a_bad_value_names_the_variable(self) -> None:
        for bad in ("abc", "0", "-5", "nan", "inf"):
            with mock.patch.dict(os.environ, {"LOSSBENCH_DIST_TIMEOUT_S": bad}):
                with self.assertRaisesRegex(ValueError, r"^LOSSBENCH_DIST_TIMEOUT_S: expected a positive number"):
                    scenario._dist_timeout_s()

    def test_unset_or_empty_is_the_default_and_a_number_is_used(self) -> None:
        with mock.patch.dict(os.environ, {"X_S": ""}):
            self.assertEqual(positive_seconds("X_S", 60.0), 60.0)
        with mock.patch.dict(os.environ, {"X_S": "2.5"}):
            self.assertEqual(positive_seconds("X_S", 60.0), 2.5)


class VerifySeed(unittest.TestCase):
    def test_seed_1_keeps_the_cases_and_another_seed_draws_new_inputs(self) -> None:
        one, two = next(verify.cases(1)), next(verify.cases(2))
        self.assertEqual((one.loss, one.impl, one.n), (two.loss, two.impl, two.n))
        # seed 1 is the cases' old numbering: case 1 from seed 1
        again = next(verify.cases())
        self.assertTrue(torch.equal(one.inputs.x, again.inputs.x))
        first_big = [c for c in verify.cases(1) if c.n == 257][0]
        other_big = [c for c in verify.cases(2) if c.n == 257][0]
        self.assertFalse(torch.equal(first_big.inputs.x, other_big.inputs.x))

    def test_the_flag_is_parsed_and_checked(self) -> None:
        self.assertEqual(cli.parser().parse_args(["verify", "--seed", "7"]).seed, 7)
        with self.assertRaises(SystemExit):
            cli.parser().parse_args(["verify", "--seed", "x"])


if __name__ == "__main__":
    unittest.main()
