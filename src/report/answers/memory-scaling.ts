// Is SigLIP's memory O(N) and CLIP's O(N²)? Fitted slopes of peak memory over N on one device.
import { IMPLS, LOSSES, type ImplName, type LossName } from '../../losses/types.js';
import { formatBytes, formatRatio, formatSlope } from '../../util/format.js';
import { inFitRegime, MIN_POINTS, memorySlopeOverN, SLOPE_TOLERANCE } from '../checks.js';
import { distinct, type Row } from '../series.js';
import type { Answer, Question } from './answer.js';
import { basisOf } from './basis.js';
import { groupBy, okPeak } from './row-filters.js';
import { batchRange, benchCommand, shape } from './settle.js';

const isQuadratic = (slope: number) => Math.abs(slope - 2) <= SLOPE_TOLERANCE;
const isLinear = (slope: number) => Math.abs(slope - 1) <= SLOPE_TOLERANCE;

/** "O(N²), slope 1.98": a fitted exponent and what it amounts to within the checks' tolerance. */
function order(slope: number): string {
  const cls = isQuadratic(slope) ? 'O(N²)' : isLinear(slope) ? 'O(N)' : 'neither O(N) nor O(N²)';
  return `${cls}, slope ${formatSlope(slope)}`;
}

interface SeriesFit {
  loss: LossName;
  impl: ImplName;
  slope: number | null;
  /** Distinct N in the fit regime. */
  points: number;
  rows: Row[];
}

/** Per loss × impl on one device: the series (fixed D, c) with the most sizes in the fit regime. */
function memoryFits(rows: readonly Row[]): SeriesFit[] {
  const single = rows.filter((r) => r.strategy === 'single' && r.world === 1);
  const out: SeriesFit[] = [];
  for (const loss of LOSSES)
    for (const impl of IMPLS) {
      const mine = single.filter((r) => r.loss === loss && r.impl === impl);
      const scored = [...groupBy(mine, (r) => `${r.dim}|${r.chunk}`).values()].map((g) => {
        const fit = memorySlopeOverN(g);
        return { g, fit, points: distinct(fit.points.map((p) => p.x)).length };
      });
      const best = scored.sort((a, b) => b.points - a.points)[0];
      out.push({
        loss,
        impl,
        slope: best && best.points >= MIN_POINTS ? best.fit.slope : null,
        points: best?.points ?? 0,
        rows: best?.g.filter((r) => okPeak(r) && inFitRegime(r)) ?? [],
      });
    }
  return out;
}

/** SigLIP's peak over CLIP's at the largest N both ran ok at (same impl, D, c). */
function memoryRatio(rows: readonly Row[], impl: ImplName): { n: number; siglip: Row; clip: Row } | null {
  const ok = rows.filter((r) => okPeak(r) && r.strategy === 'single' && r.impl === impl);
  const key = (r: Row) => `${r.n}|${r.dim}|${r.chunk}`;
  const clip = new Map(ok.filter((r) => r.loss === 'clip').map((r) => [key(r), r]));
  const pairs = ok
    .filter((r) => r.loss === 'siglip')
    .flatMap((s) => {
      const c = clip.get(key(s));
      return c ? [{ n: s.n, siglip: s, clip: c }] : [];
    });
  return pairs.sort((a, b) => b.n - a.n)[0] ?? null;
}

/** The memory answer's first sentence, from the four slopes. */
function scalingVerdict(s: (loss: LossName, impl: ImplName) => number): string {
  const f = (loss: LossName, impl: ImplName) => formatSlope(s(loss, impl));
  const o = (loss: LossName, impl: ImplName) => order(s(loss, impl));
  const naiveQuadratic = isQuadratic(s('clip', 'naive')) && isQuadratic(s('siglip', 'naive'));
  const chunkedLinear = isLinear(s('clip', 'chunked')) && isLinear(s('siglip', 'chunked'));
  if (naiveQuadratic && chunkedLinear)
    return (
      `No: naive SigLIP's peak memory is O(N²) (slope ${f('siglip', 'naive')}) like naive CLIP's ` +
      `(${f('clip', 'naive')}), and chunked both are O(N) (SigLIP ${f('siglip', 'chunked')}, ` +
      `CLIP ${f('clip', 'chunked')}): chunking, not the choice of loss, makes memory linear.`
    );
  if (isQuadratic(s('clip', 'naive')) && isLinear(s('siglip', 'naive')))
    return (
      `On this data naive SigLIP is ${o('siglip', 'naive')} and naive CLIP ${o('clip', 'naive')}; ` +
      `chunked, SigLIP is ${o('siglip', 'chunked')} and CLIP ${o('clip', 'chunked')}.`
    );
  return (
    `Not as expected (naive 2, chunked 1): naive SigLIP is ${o('siglip', 'naive')}, naive CLIP ` +
    `${o('clip', 'naive')}; chunked SigLIP ${o('siglip', 'chunked')}, CLIP ${o('clip', 'chunked')}. ` +
    'See the scaling checks.'
  );
}

/** SigLIP's peak against CLIP's at the largest N both ran, per impl: the answer's closing sentence. */
function ratioSentence(rows: readonly Row[]): { text: string; ratios: Record<string, unknown>[] } {
  const ratios = IMPLS.flatMap((impl) => {
    const p = memoryRatio(rows, impl);
    if (!p) return [];
    const [siglip, clip] = [p.siglip.peak_tensor_bytes!, p.clip.peak_tensor_bytes!];
    return [{ impl, n: p.n, chunk: p.siglip.chunk, ratio: siglip / clip, siglip, clip }];
  });
  const manyC = distinct(rows.filter((r) => r.impl === 'chunked').map((r) => r.chunk)).length > 1;
  const ratioText = (r: (typeof ratios)[number]) => {
    const where = `N = ${r.n}${manyC && r.chunk !== null ? `, c = ${r.chunk}` : ''}`;
    const bytes = `${formatBytes(r.siglip)} vs ${formatBytes(r.clip)}`;
    return `${formatRatio(r.ratio)} CLIP's peak memory ${r.impl} (${where}: ${bytes})`;
  };
  const text = ratios.length ? ` At the largest N both ran, SigLIP needs ${ratios.map(ratioText).join(' and ')}.` : '';
  return { text, ratios };
}

function answer(rows: readonly Row[]): Answer {
  const see = ['Scaling checks', 'charts/memory-vs-n.png'];
  const fits = memoryFits(rows);
  const basis = basisOf(fits.flatMap((f) => f.rows));
  const missing = fits.filter((f) => f.slope === null);
  const data = { slopes: fits.map((f) => ({ loss: f.loss, impl: f.impl, slope: f.slope, points: f.points })) };
  const head = { topic: memoryScaling.topic, question: memoryScaling.question, basis, see };
  if (missing.length) {
    const { dim, chunk } = shape(rows);
    const what = missing.map((f) => `${f.loss} ${f.impl} (${f.points} size${f.points === 1 ? '' : 's'})`).join(', ');
    const known = fits.filter((f) => f.slope !== null).map((f) => `${f.loss} ${f.impl} ${order(f.slope!)}`);
    const from = Math.max(...missing.map((f) => (f.impl === 'naive' ? dim : Math.max(4 * chunk, 2 * dim))));
    return {
      ...head,
      settled: false,
      data,
      answer:
        `Not settled: a slope needs ${MIN_POINTS} batch sizes in the fit regime on one device, ` +
        `and ${what} ${missing.length === 1 ? 'has' : 'have'} fewer.` +
        (known.length ? ` Measured so far: ${known.join('; ')}.` : ''),
      settle: benchCommand([
        ['loss', distinct(missing.map((f) => f.loss)).join(',')],
        ['impl', distinct(missing.map((f) => f.impl)).join(',')],
        ['batch', batchRange(from)],
        ['dim', String(dim)],
        ['chunk', String(chunk)],
      ]),
    };
  }
  const slope = (loss: LossName, impl: ImplName) => fits.find((f) => f.loss === loss && f.impl === impl)!.slope!;
  const { text, ratios } = ratioSentence(rows);
  return { ...head, settled: true, answer: scalingVerdict(slope) + text, data: { ...data, ratios } };
}

export const memoryScaling: Question = {
  topic: 'memory-scaling',
  question: "Is SigLIP's memory O(N) and CLIP's O(N²)?",
  answer,
};
