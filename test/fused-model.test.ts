// The TypeScript model of the fused WebGPU kernels against the float64 reference: the algorithm (blocks,
// tiles, online statistics, column partials, masked diagonals, f32 arithmetic) is tested here; only its
// WGSL transcription needs a GPU.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  FUSED_MODELS,
  withoutFma,
  clipRowSweep,
  clipColumnCombine,
  log1pSeries,
  softplus32,
  sigmoid32,
  sumReduce,
  workgroupTreeSum,
  type FusedModelResult,
} from '../src/losses/fused-model.js';
import { REFERENCES } from '../src/losses/reference.js';
import { errorsAgainst, maxError, relativeError, TOLERANCE, type OutputErrors } from '../src/losses/accuracy.js';
import { randomInputs, rng, toReference, unitRows, type HostInputs } from '../src/losses/inputs.js';
import { LOSSES, type LossName } from '../src/losses/types.js';
import type { Tiling } from '../src/engine/kernels/tiling.js';

/** What chooseTiling gives at WebGPU's default limits, the 64-wide tiling of bigger adapters, and ragged ones. */
const TILINGS: Record<string, Tiling> = {
  '32×32 (2×2)': { block: 32, tile: 32, microRows: 2, microCols: 2, dChunk: 16, dSlice: 512 },
  '64×64 (4×4)': { block: 64, tile: 64, microRows: 4, microCols: 4, dChunk: 16, dSlice: 256 },
  '5×7 (1×1), D in slices of 4': { block: 5, tile: 7, microRows: 1, microCols: 1, dChunk: 4, dSlice: 4 },
  '8×12 (1×3)': { block: 8, tile: 12, microRows: 1, microCols: 3, dChunk: 8, dSlice: 8 },
};

const T100 = Math.log(100);

/** y = normalise(x + 0.01·noise): the matched pairs of a trained model, a dominant diagonal. */
function correlated(h: HostInputs, seed: number): HostInputs {
  const noise = unitRows(h.n, h.d, rng(seed));
  const y = new Float32Array(h.n * h.d);
  for (let i = 0; i < h.n; i++) {
    let norm = 0;
    for (let k = 0; k < h.d; k++) norm += (h.x[i * h.d + k]! + 0.01 * noise[i * h.d + k]!) ** 2;
    for (let k = 0; k < h.d; k++) y[i * h.d + k] = (h.x[i * h.d + k]! + 0.01 * noise[i * h.d + k]!) / Math.sqrt(norm);
  }
  return { ...h, y };
}

/**
 * Rows 1 and 2 copies of row 0 (x and y): ties in every max, duplicate negatives. Row 1 only below N = 8:
 * with every row equal the exact gradient is zero (a test of its own, below).
 */
function duplicated(h: HostInputs, rows = h.n < 8 ? [1] : [1, 2]): HostInputs {
  const x = Float32Array.from(h.x);
  const y = Float32Array.from(h.y);
  for (const i of rows.filter((i) => i < h.n))
    for (let k = 0; k < h.d; k++) {
      x[i * h.d + k] = x[k]!;
      y[i * h.d + k] = y[k]!;
    }
  return { ...h, x, y };
}

function errorsAgainstReference(loss: LossName, h: HostInputs, r: FusedModelResult): OutputErrors {
  return errorsAgainst(REFERENCES[loss](toReference(h)), r);
}

type Variant = 'random' | 'correlated' | 'duplicate rows';
function inputsFor(
  loss: LossName,
  n: number,
  d: number,
  seed: number,
  tPrime: number | undefined,
  v: Variant,
): HostInputs {
  const h = randomInputs(loss, n, d, seed, tPrime);
  return v === 'correlated' ? correlated(h, seed + 500) : v === 'duplicate rows' ? duplicated(h) : h;
}

describe('fused kernel model against the float64 reference', () => {
  for (const loss of LOSSES)
    for (const [name, tiling] of Object.entries(TILINGS))
      it(`${loss}, tiling ${name}: N ∈ {1, 3, 64}, D ∈ {7, 32}, t initial and 100, random/correlated/duplicate rows, FMA or not`, () => {
        let seed = 100;
        for (const n of [1, 3, 64])
          for (const d of [7, 32])
            for (const tPrime of [undefined, T100])
              for (const v of ['random', 'correlated', 'duplicate rows'] as const) {
                seed++;
                const h = inputsFor(loss, n, d, seed, tPrime, v);
                const run = () => FUSED_MODELS[loss](h, tiling);
                for (const [how, r] of [
                  ['FMA', run()],
                  ['no FMA', withoutFma(run)],
                ] as const) {
                  const e = errorsAgainstReference(loss, h, r);
                  assert.ok(
                    maxError(e) <= TOLERANCE,
                    `${loss} ${name} ${how} N=${n} D=${d} t'=${tPrime ?? 'init'} ${v} seed=${seed}: ${JSON.stringify(e)}`,
                  );
                }
              }
      });

  for (const loss of LOSSES)
    it(`${loss} at N = 257 (ragged against every tiling), D = 33: random at t initial, correlated at t = 100`, () => {
      let seed = 900;
      // D in slices of 12 here, not 4: every slice recomputes the logits (that is the point of slicing)
      const tilings = {
        ...TILINGS,
        '5×7 (1×1), D in slices of 4': { ...TILINGS['5×7 (1×1), D in slices of 4']!, dSlice: 12 },
      };
      for (const [name, tiling] of Object.entries(tilings))
        for (const [tPrime, v] of [
          [undefined, 'random'],
          [T100, 'correlated'],
        ] as const) {
          seed++;
          const h = inputsFor(loss, 257, 33, seed, tPrime, v);
          const e = errorsAgainstReference(loss, h, FUSED_MODELS[loss](h, tiling));
          assert.ok(
            maxError(e) <= TOLERANCE,
            `${loss} ${name} N=257 t'=${tPrime ?? 'init'} ${v} seed=${seed}: ${JSON.stringify(e)}`,
          );
        }
    });

  it('clip at t = 100 with a dominant diagonal (seed 245999, N = 3, D = 64) keeps its gradient to 1e-5', () => {
    // The seed on which the textbook forms (lse − diag; G_ii = P_ii + Q_ii − 2) lost 1e-4 to 2e-3.
    const h = randomInputs('clip', 3, 64, 245999, T100);
    for (const tiling of Object.values(TILINGS)) {
      const e = errorsAgainstReference('clip', h, FUSED_MODELS.clip(h, tiling));
      assert.ok(maxError(e) <= 1e-5, JSON.stringify(e));
    }
  });

  it('all rows identical (the exact gradient is 0): within 5e-4 of the 1e-2 floor, float32 rounding of t·G·y', () => {
    // The rows of G sum to zero only up to rounding, and t = 100 scales the residue: ~1e-6 absolute, about
    // 1e-4 of the floor, with or without FMA. The naive path can land on exactly 0 (unfused products of
    // equal values cancel); no float32 kernel can promise it.
    for (const seed of [1, 2, 3])
      for (const n of [3, 5]) {
        const h = duplicated(
          randomInputs('clip', n, 7, seed, T100),
          Array.from({ length: n - 1 }, (_, i) => i + 1),
        );
        const e = errorsAgainstReference('clip', h, FUSED_MODELS.clip(h, TILINGS['32×32 (2×2)']!));
        assert.ok(maxError(e) <= 5e-4, `N=${n} seed=${seed}: ${JSON.stringify(e)}`);
      }
  });

  it('the tiling changes the rounding, not the result: any two tilings agree to float32 accuracy', () => {
    for (const loss of LOSSES) {
      const h = randomInputs(loss, 64, 16, 31, T100);
      const [a, b] = [
        FUSED_MODELS[loss](h, TILINGS['32×32 (2×2)']!),
        FUSED_MODELS[loss](h, TILINGS['5×7 (1×1), D in slices of 4']!),
      ];
      assert.ok(relativeError(a.dx, b.dx) < 1e-5 && relativeError(a.dy, b.dy) < 1e-5, loss);
      assert.ok(Math.abs(a.loss - b.loss) <= 1e-6 * Math.max(1, Math.abs(a.loss)), `${loss}: ${a.loss} vs ${b.loss}`);
    }
  });
});

describe('fused kernel model: pieces', () => {
  it('column partials combined across row blocks give each column its log-sum-exp (N = 1 included)', () => {
    const tiling = TILINGS['5×7 (1×1), D in slices of 4']!;
    for (const n of [1, 3, 23]) {
      const h = randomInputs('clip', n, 6, 5 + n, T100);
      const cs = clipColumnCombine(clipRowSweep(h, tiling), n, tiling);
      const ref = toReference(h);
      const t = Math.exp(ref.tPrime);
      for (let j = 0; j < n; j++) {
        const col = Array.from({ length: n }, (_, i) => {
          let dot = 0;
          for (let k = 0; k < h.d; k++) dot += ref.x[i * h.d + k]! * ref.y[j * h.d + k]!;
          return t * dot;
        });
        const m = Math.max(...col);
        const lse = m + Math.log(col.reduce((a, v) => a + Math.exp(v - m), 0));
        const got = cs.colMax[j]! - Math.log(cs.colInvSum[j]!);
        assert.ok(Math.abs(got - lse) <= 1e-5 * Math.max(1, Math.abs(lse)), `N=${n} column ${j}: ${got} vs ${lse}`);
      }
    }
  });

  it('log1pSeries is accurate to float32 on [0, 1], softplus and sigmoid on [−120, 120]', () => {
    for (let k = 0; k <= 2000; k++) {
      const u = Math.fround(k === 0 ? 0 : 10 ** (-12 + (12 * k) / 2000));
      const want = Math.log1p(u);
      assert.ok(Math.abs(log1pSeries(u) - want) <= 2.5e-7 * want + 1e-45, `log1p(${u}): ${log1pSeries(u)} vs ${want}`);
    }
    for (let a = -120; a <= 120; a += 0.37) {
      const af = Math.fround(a);
      const sp = Math.max(af, 0) + Math.log1p(Math.exp(-Math.abs(af)));
      assert.ok(Math.abs(softplus32(af) - sp) <= 3e-7 * sp + 2e-38, `softplus(${af}): ${softplus32(af)} vs ${sp}`);
      const sg = 1 / (1 + Math.exp(-af));
      assert.ok(Math.abs(sigmoid32(af) - sg) <= 3e-7 * sg + 2e-38, `sigmoid(${af}): ${sigmoid32(af)} vs ${sg}`);
    }
  });

  it('workgroupTreeSum and sumReduce add every value once, for any length', () => {
    for (const len of [0, 1, 2, 3, 35, 256, 257, 1000]) {
      const v = Float32Array.from({ length: len }, (_, i) => i + 1);
      assert.equal(workgroupTreeSum(v), (len * (len + 1)) / 2, `tree ${len}`);
      assert.equal(sumReduce(v, 0.5), (len * (len + 1)) / 4, `sumReduce ${len}`);
      assert.equal(sumReduce(v, 1, 7), (len * (len + 1)) / 2, `sumReduce 7 threads ${len}`);
    }
  });
});
