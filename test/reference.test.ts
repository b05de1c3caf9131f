// The float64 reference against central finite differences of its own loss.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { REFERENCES, type RefInputs } from '../src/losses/reference.js';
import { randomInputs, toReference } from '../src/losses/inputs.js';
import { LOSSES } from '../src/losses/types.js';

const h = 1e-6;
function fd(f: (inp: RefInputs) => number, inp: RefInputs, bump: (inp: RefInputs, e: number) => RefInputs): number {
  return (f(bump(inp, h)) - f(bump(inp, -h))) / (2 * h);
}

describe('float64 reference', () => {
  for (const loss of LOSSES)
    for (const tPrime of [undefined, Math.log(100)])
      it(`${loss} gradients match central finite differences (t' = ${tPrime ?? 'init'})`, () => {
        const seed = 7 + (tPrime ? 1 : 0);
        const inp = toReference(randomInputs(loss, 5, 4, seed, tPrime));
        const ref = REFERENCES[loss];
        const L = (i: RefInputs) => ref(i).loss;
        const g = ref(inp);
        const close = (a: number, b: number, what: string) =>
          assert.ok(
            Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b)),
            `${loss} ${what}: analytic ${b} vs numeric ${a} (seed ${seed})`,
          );
        for (const key of ['x', 'y'] as const)
          for (let k = 0; k < inp.n * inp.d; k++) {
            const num = fd(L, inp, (i, e) => {
              const arr = Float64Array.from(i[key]);
              arr[k]! += e;
              return { ...i, [key]: arr };
            });
            close(num, (key === 'x' ? g.dx : g.dy)[k]!, `d${key}[${k}]`);
          }
        close(
          fd(L, inp, (i, e) => ({ ...i, tPrime: i.tPrime + e })),
          g.dtPrime,
          "dt'",
        );
        if (loss === 'siglip')
          close(
            fd(L, inp, (i, e) => ({ ...i, bias: i.bias + e })),
            g.dBias!,
            'dβ',
          );
      });

  it('clip at N = 2 with orthogonal unit features and t = 1 equals the hand computation', () => {
    // logits = I: each row and column has lse = log(e + 1), so L = log(1 + e) − 1; G_ii = −a, G_ij = a
    // with a = 1/(2(e + 1)); dx = G·y = G, dy = Gᵀ·x = G, dt' = Σ G_ij·logits_ij = −2a.
    const I = Float64Array.from([1, 0, 0, 1]);
    const r = REFERENCES.clip({ n: 2, d: 2, x: I, y: I, tPrime: 0, bias: 0 });
    const a = 1 / (2 * (Math.E + 1));
    assert.ok(Math.abs(r.loss - (Math.log1p(Math.E) - 1)) < 1e-12, `loss ${r.loss}`);
    assert.deepEqual(
      [...r.dx].map((v) => +v.toFixed(12)),
      [-a, a, a, -a].map((v) => +v.toFixed(12)),
    );
    assert.deepEqual(
      [...r.dy].map((v) => +v.toFixed(12)),
      [-a, a, a, -a].map((v) => +v.toFixed(12)),
    );
    assert.ok(Math.abs(r.dtPrime + 2 * a) < 1e-12, `dt' ${r.dtPrime}`);
  });

  it('clip loss at N = 1 is exactly zero; siglip sums over all N² pairs', () => {
    assert.equal(REFERENCES.clip(toReference(randomInputs('clip', 1, 4, 1))).loss, 0);
    const s = REFERENCES.siglip({
      n: 2,
      d: 1,
      x: Float64Array.from([1, 1]),
      y: Float64Array.from([1, 1]),
      tPrime: 0,
      bias: 0,
    });
    // logits all 1: two positives softplus(−1), two negatives softplus(1), divided by N = 2
    assert.ok(Math.abs(s.loss - (2 * Math.log1p(Math.exp(-1)) + 2 * Math.log1p(Math.exp(1))) / 2) < 1e-12);
  });
});

describe('float64 reference where the diagonal dominates', () => {
  it('CLIP at t = 100 on x = y = I₂ equals the closed forms (a loss of 3.7e-44, never 0)', () => {
    // l = 100·I: every row and column term is log(1 + e^−100); P_12 = 1/(1 + e^100); G = ±P/2.
    const inp: RefInputs = {
      n: 2,
      d: 2,
      x: Float64Array.of(1, 0, 0, 1),
      y: Float64Array.of(1, 0, 0, 1),
      tPrime: Math.log(100),
      bias: 0,
    };
    const r = REFERENCES.clip(inp);
    const P = 1 / (1 + Math.exp(100));
    const t = Math.exp(inp.tPrime);
    const close = (a: number, b: number, what: string) =>
      assert.ok(Math.abs(a - b) <= 1e-12 * Math.abs(b), `${what}: ${a} vs the closed form ${b}`);
    close(r.loss, Math.log1p(Math.exp(-100)), 'loss');
    close(r.dtPrime, -100 * P, "dt'");
    const dx = [-P / 2, P / 2, P / 2, -P / 2].map((v) => t * v);
    dx.forEach((v, k) => close(r.dx[k]!, v, `dx[${k}]`));
    dx.forEach((v, k) => close(r.dy[k]!, v, `dy[${k}]`));
  });
});
