"""The float64 reference against 50-digit arithmetic (mpmath) on small hard cases: t = 100 on correlated
pairs, where the CLIP loss is ~1e-26 and the textbook form gives exactly 0, and on random pairs."""
from __future__ import annotations

import unittest

import support  # noqa: F401
import mpmath
import torch

from lossbench_torch.cases import T100, hard_inputs
from lossbench_torch.reference import reference_step

mpmath.mp.dps = 50


def mp_reference(loss: str, x: torch.Tensor, y: torch.Tensor, tp: float, bias: float) -> dict:
    n, d = x.shape
    X = [[mpmath.mpf(float(v)) for v in row] for row in x.double()]
    Y = [[mpmath.mpf(float(v)) for v in row] for row in y.double()]
    t = mpmath.exp(mpmath.mpf(tp))
    l = [[t * mpmath.fsum(X[i][k] * Y[j][k] for k in range(d)) + (bias if loss == "siglip" else 0) for j in range(n)]
         for i in range(n)]
    G = [[mpmath.mpf(0)] * n for _ in range(n)]
    if loss == "clip":
        lse_r = [mpmath.log(mpmath.fsum(mpmath.exp(l[i][j]) for j in range(n))) for i in range(n)]
        lse_c = [mpmath.log(mpmath.fsum(mpmath.exp(l[i][j]) for i in range(n))) for j in range(n)]
        value = mpmath.fsum(lse_r[i] + lse_c[i] - 2 * l[i][i] for i in range(n)) / (2 * n)
        for i in range(n):
            for j in range(n):
                G[i][j] = (mpmath.exp(l[i][j] - lse_r[i]) + mpmath.exp(l[i][j] - lse_c[j])) / (2 * n) - (
                    mpmath.mpf(1) / n if i == j else 0)
        dt = mpmath.fsum(G[i][j] * l[i][j] for i in range(n) for j in range(n))
        db = None
    else:
        z = [[1 if i == j else -1 for j in range(n)] for i in range(n)]
        value = mpmath.fsum(mpmath.log1p(mpmath.exp(-z[i][j] * l[i][j])) for i in range(n) for j in range(n)) / n
        for i in range(n):
            for j in range(n):
                G[i][j] = -z[i][j] / (1 + mpmath.exp(z[i][j] * l[i][j])) / n
        dt = mpmath.fsum(G[i][j] * (l[i][j] - bias) for i in range(n) for j in range(n))
        db = mpmath.fsum(G[i][j] for i in range(n) for j in range(n))
    dx = [[t * mpmath.fsum(G[i][j] * Y[j][k] for j in range(n)) for k in range(d)] for i in range(n)]
    dy = [[t * mpmath.fsum(G[i][j] * X[i][k] for i in range(n)) for k in range(d)] for j in range(n)]
    return {"loss": [value], "dx": sum(dx, []), "dy": sum(dy, []), "dt'": [dt], **({"dβ": [db]} if db is not None else {})}


def rel(a: torch.Tensor, ref: list) -> float:
    """‖a − ref‖ / ‖ref‖ in 50 digits (ref non-zero)."""
    vals = [mpmath.mpf(float(v)) for v in a.reshape(-1)]
    num = mpmath.sqrt(mpmath.fsum((v - r) ** 2 for v, r in zip(vals, ref)))
    return float(num / mpmath.sqrt(mpmath.fsum(r ** 2 for r in ref)))


class ReferenceVsMpmath(unittest.TestCase):
    def test_hard_cases(self) -> None:
        for loss in ("clip", "siglip"):
            for kind, d in (("correlated", 32), ("random", 4), ("duplicates", 4)):
                inp = hard_inputs(loss, 5, d, 3, kind, T100)
                exact = mp_reference(loss, inp.x, inp.y, float(inp.t_prime), float(inp.bias))
                if loss == "clip" and kind == "correlated":
                    self.assertLess(float(exact["loss"][0]), 1e-10)  # the case: a tiny, non-zero truth
                for name, v in reference_step(loss, inp).named():
                    with self.subTest(loss=loss, kind=kind, output=name):
                        self.assertLess(rel(v, exact[name]), 1e-12)


if __name__ == "__main__":
    unittest.main()
