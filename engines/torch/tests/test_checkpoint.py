"""checkpoint (torch.utils.checkpoint over column chunks, losses/checkpoint.py) against the float64
reference, gradients included: ragged chunks, t = 100, correlated pairs and duplicate rows; equal to naive;
its forward keeps no N×c tensor; through the impl registry on one device, refused on W devices."""
from __future__ import annotations

import math
import unittest

import support  # noqa: F401  (sys.path, thread count)
import torch

from lossbench_torch import precision
from lossbench_torch.cases import T100, hard_inputs
from lossbench_torch.compare import passes, relative_error, step_errors, textbook_inexact
from lossbench_torch.impls.cases import ImplCase, run_impl_cases
from lossbench_torch.losses import loss_step
from lossbench_torch.losses.checkpoint import clip_checkpoint_loss, siglip_checkpoint_loss
from lossbench_torch.measure.accuracy import errors
from lossbench_torch.reference import reference_step

D = 32
TOL = 1e-4


class CheckpointVsReference(unittest.TestCase):
    def test_hard_inputs_ragged_chunks(self) -> None:
        seed = 0
        for loss in ("clip", "siglip"):
            for n, c in ((1, 4), (37, 8), (64, 16), (65, 64), (33, 1000)):
                for kind, tp in (("random", None), ("random", T100), ("correlated", T100), ("duplicates", None)):
                    seed += 1
                    with self.subTest(loss=loss, n=n, c=c, kind=kind, tp=tp):
                        inp = hard_inputs(loss, n, D, seed, kind, tp)
                        errs = step_errors(loss_step(loss, "checkpoint", c)(inp), reference_step(loss, inp))
                        # the textbook CLIP, as naive: on a dominant diagonal its error is a finding
                        tol = math.inf if textbook_inexact(loss, "checkpoint", "single", kind) else TOL
                        self.assertTrue(passes(errs, tol), f"{errs}")

    def test_equals_naive(self) -> None:
        for loss in ("clip", "siglip"):
            inp = hard_inputs(loss, 100, D, 9, "random", T100)
            a, b = loss_step(loss, "naive", 1)(inp), loss_step(loss, "checkpoint", 17)(inp)
            for (name, va), (_, vb) in zip(a.named(), b.named()):
                self.assertLess(relative_error(vb, va), 2e-6, f"{loss} {name}")

    def test_bf16(self) -> None:
        try:
            precision.configure("bf16", "cpu")
            for loss in ("clip", "siglip"):
                inp = hard_inputs(loss, 64, D, 2)
                r = loss_step(loss, "checkpoint", 16)(inp)
                self.assertEqual(r.dx.dtype, torch.float32)
                self.assertTrue(passes(step_errors(r, reference_step(loss, inp)), 5e-2))
        finally:
            precision.configure("fp32", "cpu")

    def test_forward_keeps_no_chunk_of_logits(self) -> None:
        """What autograd keeps from the forward: the inputs and O(N) outputs per chunk, no N×c tensor."""
        n, c = 96, 16
        inp = hard_inputs("siglip", n, D, 3)
        x, y, tp, b = (v.clone().requires_grad_(True) for v in (inp.x, inp.y, inp.t_prime, inp.bias))
        kept = []
        with torch.autograd.graph.saved_tensors_hooks(lambda t: kept.append(tuple(t.shape)) or t, lambda t: t):
            clip_checkpoint_loss(x, y, tp, None, c)
            siglip_checkpoint_loss(x, y, tp, b, c)
        self.assertTrue(kept)
        self.assertIn((n, D), kept)  # x, as t·x's input
        self.assertEqual([s for s in kept if s != (n, D) and math.prod(s) >= n * c], [], f"saved {sorted(set(kept))}")

    def test_registry_single_and_refused_on_w_devices(self) -> None:
        inp = hard_inputs("clip", 12, 8, 4)
        (one,) = run_impl_cases([ImplCase("siglip", "checkpoint", "single", hard_inputs("siglip", 12, 8, 4), 5)], 1)
        self.assertEqual(one.unsupported, "")
        self.assertTrue(passes(errors(one.outputs, reference_step("siglip", hard_inputs("siglip", 12, 8, 4))), TOL))
        (ring,) = run_impl_cases([ImplCase("clip", "checkpoint", "ring", inp, 4)], 1)
        self.assertIn("one device", ring.unsupported)


if __name__ == "__main__":
    unittest.main()
