"""Each loss × impl against the float64 reference on hard cases; chunked equals naive; NaN fails."""
from __future__ import annotations

import math
import unittest

import support  # noqa: F401  (sys.path, thread count)
import torch

from lossbench_torch import precision
from lossbench_torch.cases import T100, hard_inputs
from lossbench_torch.compare import passes, relative_error, step_errors, textbook_inexact
from lossbench_torch.losses import loss_step
from lossbench_torch.losses.clip import ClipChunked
from lossbench_torch.losses.siglip import SiglipChunked
from lossbench_torch.reference import reference_step

NS = (1, 3, 64, 257)
CHUNKS = (1, 16, 64, 1000)
D = 32
TOL = 1e-4


class LossesVsReference(unittest.TestCase):
    def check(self, loss: str, impl: str, n: int, c: int, tp: float | None, kind: str = "random", seed: int = 1) -> None:
        inp = hard_inputs(loss, n, D, seed, kind, tp)
        errs = step_errors(loss_step(loss, impl, c)(inp), reference_step(loss, inp))
        if textbook_inexact(loss, impl, "single", kind):  # a finding, not a failure: finite, and reported
            self.assertTrue(passes(errs, math.inf), f"{loss}/{impl} {kind}: {errs}")
        else:
            self.assertTrue(passes(errs, TOL), f"{loss}/{impl} N={n} c={c} t'={tp} {kind}: {errs}")

    def test_textbook_clip_loses_the_dominant_diagonal(self) -> None:
        """What chunked buys: at t = 100 on correlated pairs (loss ~1e-26) the textbook naive rounds
        lse − l_ii to 0 — a zero the floors no longer accept — while chunked resolves it."""
        inp = hard_inputs("clip", 64, D, 5, "correlated", T100)
        ref = reference_step("clip", inp)
        self.assertGreater(float(ref.loss), 0.0)
        naive = step_errors(loss_step("clip", "naive", 1)(inp), ref)
        chunked = step_errors(loss_step("clip", "chunked", 16)(inp), ref)
        self.assertGreater(naive["loss"], 0.5, naive)
        self.assertTrue(passes(chunked, TOL), chunked)

    def test_naive(self) -> None:
        for loss in ("clip", "siglip"):
            for n in NS:
                for tp in (None, T100):
                    with self.subTest(loss=loss, n=n, tp=tp):
                        self.check(loss, "naive", n, 1, tp, seed=n)

    def test_chunked_ragged_tiles(self) -> None:
        for loss in ("clip", "siglip"):
            for n in NS:
                for c in CHUNKS:
                    for tp in (None, T100):
                        with self.subTest(loss=loss, n=n, c=c, tp=tp):
                            self.check(loss, "chunked", n, c, tp, seed=n + c)

    def test_correlated_and_duplicate_rows(self) -> None:
        for loss in ("clip", "siglip"):
            for impl in ("naive", "chunked"):
                for kind in ("correlated", "duplicates"):
                    for tp in (None, T100):
                        with self.subTest(loss=loss, impl=impl, kind=kind, tp=tp):
                            self.check(loss, impl, 64, 16, tp, kind, seed=5)

    def test_chunked_equals_naive(self) -> None:
        for loss in ("clip", "siglip"):
            for kind in ("random", "correlated") if loss == "siglip" else ("random",):
                inp = hard_inputs(loss, 100, D, 9, kind, T100)
                a, b = loss_step(loss, "naive", 1)(inp), loss_step(loss, "chunked", 17)(inp)
                for (name, va), (_, vb) in zip(a.named(), b.named()):
                    self.assertLess(relative_error(vb, va), 2e-6, f"{loss} {kind} {name}")


class ChunkedMemory(unittest.TestCase):
    def test_saves_only_inputs_and_vectors(self) -> None:
        n, c = 96, 16
        inp = hard_inputs("clip", n, D, 3)
        x, y, tp, b = (v.clone().requires_grad_(True) for v in (inp.x, inp.y, inp.t_prime, inp.bias))
        for out in (ClipChunked.apply(x, y, tp, c), SiglipChunked.apply(x, y, tp, b, c)):
            for t in out.grad_fn.saved_tensors:
                self.assertLessEqual(t.numel(), n * D, f"saved {tuple(t.shape)}")
                self.assertNotEqual(tuple(t.shape), (n, n))


class NumericsGuards(unittest.TestCase):
    def test_nan_and_inf_fail(self) -> None:
        ref = torch.ones(4, 4)
        self.assertEqual(relative_error(ref * float("nan"), ref), math.inf)
        self.assertEqual(relative_error(ref * float("inf"), ref), math.inf)
        self.assertFalse(passes({"loss": math.inf}, 1.0))
        self.assertEqual(relative_error(None, ref), math.inf)

    def test_floors(self) -> None:
        # zero never passes for a truth float32 resolves, however small; a truth below 1e-30 or below
        # the float32 resolution of its terms compares absolutely
        self.assertEqual(relative_error(torch.tensor(0.0), torch.tensor(1e-26, dtype=torch.float64)), 1.0)
        self.assertAlmostEqual(relative_error(torch.tensor(0.0), torch.tensor(1e-40, dtype=torch.float64)), 1e-10)
        self.assertAlmostEqual(relative_error(torch.tensor(1e-6), torch.tensor(0.0), scale=1.0), 1e-6 / (2 ** -24 / 1e-4))

    def test_bf16_autocast_is_close(self) -> None:
        try:
            precision.configure("bf16", "cpu")
            for loss in ("clip", "siglip"):
                for impl in ("naive", "chunked"):
                    inp = hard_inputs(loss, 64, D, 2)
                    r = loss_step(loss, impl, 16)(inp)
                    self.assertEqual(r.dx.dtype, torch.float32)
                    errs = step_errors(r, reference_step(loss, inp))
                    self.assertTrue(passes(errs, 5e-2), f"{loss}/{impl} bf16: {errs}")
        finally:
            precision.configure("fp32", "cpu")


if __name__ == "__main__":
    unittest.main()
