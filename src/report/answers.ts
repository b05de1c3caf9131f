// Answers to the questions people bring to a sweep, each in a sentence or two with the figure and the
// scenarios it rests on, then where to look. findings.ts lists every ratio; this says what they add up
// to. An answer the data cannot settle says so and names the scenarios that would.
import { predictedComm } from '../distributed/formulas.js';
import { STRATEGIES } from '../distributed/registry.js';
import { IMPLS, LOSSES, type ImplName, type LossName } from '../losses/types.js';
import { maxGlobalBatch } from '../model/max-batch.js';
import type { RunInfo } from '../results/run-info.js';
import { tileWidth } from '../results/tile-width.js';
import { formatBytes, formatMs, formatRatio, formatSlope } from '../util/format.js';
import { inFitRegime, MIN_POINTS, memorySlopeOverN, SLOPE_TOLERANCE } from './checks.js';
import { distinct, isOk, type Row } from './series.js';

export type AnswerTopic = 'memory-scaling' | 'communication' | 'chunking-cost' | 'largest-batch';

export interface Answer {
  topic: AnswerTopic;
  question: string;
  /** A sentence or two with the figures; when the data cannot settle it, what is missing. */
  answer: string;
  settled: boolean;
  /** The scenarios the answer rests on, compactly ("clip naive single, D=64: N=256…2048"). */
  basis: string[];
  /** When not settled: a bench command whose scenarios would settle it. */
  settle?: string;
  /** Where the full numbers are: report sections and chart files. */
  see: string[];
  /** The numbers behind the sentences, for --json. */
  data: Record<string, unknown>;
}

const FLOAT32 = 4;
const NAME: Record<LossName, string> = { clip: 'CLIP', siglip: 'SigLIP' };
const byN = (a: Row, b: Row) => a.n - b.n;
const okPeak = (r: Row) => isOk(r) && r.peak_tensor_bytes !== null && r.peak_tensor_bytes > 0;
const DIST_STRATEGIES = (loss: LossName) => STRATEGIES[loss].filter((s) => s !== 'single');

function groupBy<T>(xs: readonly T[], key: (x: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const x of xs) m.set(key(x), [...(m.get(key(x)) ?? []), x]);
  return m;
}

/** "256…2048" for a run of powers of two, else the list. */
function sizes(ns: number[]): string {
  const s = distinct(ns).sort((a, b) => a - b);
  const doubling = s.length > 2 && s.every((n, i) => i === 0 || n === 2 * s[i - 1]!);
  return doubling ? `${s[0]}…${s[s.length - 1]}` : s.join(', ');
}

/** The scenarios rows stand for, one line per series: "clip chunked single, D=64, c=64: N=256…2048". */
export function basisOf(rows: readonly Row[]): string[] {
  const key = (r: Row) => {
    const b = r.strategy === 'single' ? '' : r.local_batch;
    return `${r.loss}|${r.impl}|${r.strategy}|${r.dim}|${tileWidth(r) ?? ''}|${b}`;
  };
  return [...groupBy(rows, key).values()].map((g) => {
    const r = g[0]!;
    const c = tileWidth(r) === null ? '' : `, c=${r.chunk}`;
    const over =
      r.strategy === 'single'
        ? `N=${sizes(g.map((x) => x.n))}`
        : `W=${sizes(g.map((x) => x.world))}, b=${r.local_batch}`;
    return `${r.loss} ${r.impl} ${r.strategy}, D=${r.dim}${c}: ${over}`;
  });
}

const isQuadratic = (slope: number) => Math.abs(slope - 2) <= SLOPE_TOLERANCE;
const isLinear = (slope: number) => Math.abs(slope - 1) <= SLOPE_TOLERANCE;

/** "O(N²), slope 1.98": a fitted exponent and what it amounts to within the checks' tolerance. */
function order(slope: number): string {
  const cls = isQuadratic(slope) ? 'O(N²)' : isLinear(slope) ? 'O(N)' : 'neither O(N) nor O(N²)';
  return `${cls}, slope ${formatSlope(slope)}`;
}

/** Powers of two from `from` (rounded up), four of them: sizes that give a slope its points. */
function batchRange(from: number): string {
  const lo = 2 ** Math.ceil(Math.log2(Math.max(from, 256)));
  return `${lo}..${lo * 8}`;
}

/** D and c to suggest in a settling command: the run's own where it has them. */
function shape(rows: readonly Row[]): { dim: number; chunk: number } {
  const chunked = rows.find((r) => r.impl === 'chunked');
  return { dim: rows[0]?.dim ?? 64, chunk: chunked?.chunk ?? 64 };
}

/** `lossbench bench` with the given flags, in order: a command that would settle an answer. */
function benchCommand(flags: [string, string][]): string {
  return ['lossbench bench', ...flags.map(([k, v]) => `--${k} ${v}`)].join(' ');
}

// ---------- Is SigLIP's memory O(N) and CLIP's O(N²)? ----------

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
      const scored = [...groupBy(mine, (r) => `${r.dim}|${tileWidth(r)}`).values()].map((g) => {
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
  const key = (r: Row) => `${r.n}|${r.dim}|${tileWidth(r)}`;
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

function memoryScaling(rows: readonly Row[]): Answer {
  const question = "Is SigLIP's memory O(N) and CLIP's O(N²)?";
  const see = ['Scaling checks', 'charts/memory-vs-n.png'];
  const fits = memoryFits(rows);
  const basis = basisOf(fits.flatMap((f) => f.rows));
  const missing = fits.filter((f) => f.slope === null);
  const data = { slopes: fits.map((f) => ({ loss: f.loss, impl: f.impl, slope: f.slope, points: f.points })) };
  if (missing.length) {
    const { dim, chunk } = shape(rows);
    const what = missing.map((f) => `${f.loss} ${f.impl} (${f.points} size${f.points === 1 ? '' : 's'})`).join(', ');
    const known = fits.filter((f) => f.slope !== null).map((f) => `${f.loss} ${f.impl} ${order(f.slope!)}`);
    const from = Math.max(...missing.map((f) => (f.impl === 'naive' ? dim : Math.max(4 * chunk, 2 * dim))));
    return {
      topic: 'memory-scaling',
      question,
      settled: false,
      basis,
      see,
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
  const ratios = IMPLS.flatMap((impl) => {
    const p = memoryRatio(rows, impl);
    if (!p) return [];
    const [siglip, clip] = [p.siglip.peak_tensor_bytes!, p.clip.peak_tensor_bytes!];
    return [{ impl, n: p.n, chunk: tileWidth(p.siglip), ratio: siglip / clip, siglip, clip }];
  });
  const manyC = distinct(rows.filter((r) => r.impl === 'chunked').map((r) => r.chunk)).length > 1;
  const ratioText = (r: (typeof ratios)[number]) => {
    const where = `N = ${r.n}${manyC && r.chunk !== null ? `, c = ${r.chunk}` : ''}`;
    const bytes = `${formatBytes(r.siglip)} vs ${formatBytes(r.clip)}`;
    return `${formatRatio(r.ratio)} CLIP's peak memory ${r.impl} (${where}: ${bytes})`;
  };
  const tail = ratios.length ? ` At the largest N both ran, SigLIP needs ${ratios.map(ratioText).join(' and ')}.` : '';
  return {
    topic: 'memory-scaling',
    question,
    settled: true,
    answer: scalingVerdict(slope) + tail,
    basis,
    see,
    data: { ...data, ratios },
  };
}

// ---------- Does SigLIP move fewer bytes than CLIP across W devices? ----------

interface StrategyBytes {
  loss: LossName;
  strategy: string;
  bytes: number;
  rounds: number | null;
  predictedBytes: number;
  predictedRounds: number;
  id: string;
}

/** The verdict sentence: SigLIP's cheapest strategy against CLIP's. */
function bytesVerdict(per: StrategyBytes[]): { text: string; ratio: number } {
  const cheapest = (loss: LossName) =>
    per.filter((p) => p.loss === loss).sort((a, b) => a.bytes - b.bytes || (a.rounds ?? 0) - (b.rounds ?? 0))[0]!;
  const [c, s] = [cheapest('clip'), cheapest('siglip')];
  const ratio = s.bytes / c.bytes;
  const moves = `moves ${formatRatio(ratio)} the bytes of`;
  if (ratio < 0.95)
    return { ratio, text: `Yes: SigLIP's cheapest strategy (${s.strategy}) ${moves} CLIP's cheapest (${c.strategy}).` };
  if (ratio > 1.05)
    return { ratio, text: `No: SigLIP's cheapest strategy (${s.strategy}) ${moves} CLIP's cheapest (${c.strategy}).` };
  const dearer = per.filter((p) => p.loss === 'clip' && p.bytes > s.bytes * 1.05);
  const fewer = dearer.map((p) => `clip ${p.strategy} (${formatRatio(s.bytes / p.bytes)})`).join(' and ');
  const only = fewer ? `; fewer only than ${fewer}` : '';
  return {
    ratio,
    text: `Not fewer than CLIP's cheapest strategy: SigLIP's ${s.strategy} ${moves} clip ${c.strategy}${only}.`,
  };
}

function communication(rows: readonly Row[]): Answer {
  const question = 'Does SigLIP move fewer bytes than CLIP across W devices?';
  const see = ['charts/comm-vs-w.png', 'Findings'];
  const { dim: D, chunk } = shape(rows);
  const dist = rows.filter((r) => isOk(r) && r.world > 1 && r.comm_bytes_sent !== null);
  const losses = distinct(dist.map((r) => r.loss));
  if (losses.length < 2) {
    const lacking = LOSSES.filter((l) => !losses.includes(l));
    const strategies = lacking.flatMap((l) => DIST_STRATEGIES(l).map((x) => `${l}/${x}`));
    return {
      topic: 'communication',
      question,
      settled: false,
      basis: basisOf(dist),
      see,
      data: {},
      answer: losses.length
        ? `Not settled: no distributed scenario of ${NAME[lacking[0]!]} ran ok, ` +
          `so there is nothing to set ${NAME[losses[0]!]}'s bytes against.`
        : 'Not measured: no distributed scenario ran ok.',
      settle: benchCommand([
        ['loss', lacking.join(',')],
        ['impl', 'chunked'],
        ['strategy', strategies.join(',')],
        ['world', '2,4,8'],
        ['local-batch', '64'],
        ['dim', String(D)],
        ['chunk', String(chunk)],
      ]),
    };
  }
  const W = Math.max(...dist.map((r) => r.world));
  // At the largest W, the (b, D) measured with the most strategies (then the largest b).
  const kinds = (g: Row[]) => distinct(g.map((r) => `${r.loss}/${r.strategy}`)).length;
  const groups = [
    ...groupBy(
      dist.filter((r) => r.world === W),
      (r) => `${r.local_batch}|${r.dim}`,
    ).values(),
  ];
  const g = groups.sort((x, y) => kinds(y) - kinds(x) || y[0]!.local_batch - x[0]!.local_batch)[0]!;
  const { local_batch: b, dim } = g[0]!;
  const E = FLOAT32 * b * dim;
  const per: StrategyBytes[] = distinct(g.map((r) => `${r.loss}/${r.strategy}`)).map((key) => {
    const r = g.find((x) => `${x.loss}/${x.strategy}` === key)!;
    const formula = predictedComm(r.loss, r.strategy, W, b, dim, FLOAT32);
    const predictedBytes = r.predicted_comm_bytes ?? formula.bytesSent;
    return {
      loss: r.loss,
      strategy: r.strategy,
      bytes: r.comm_bytes_sent!,
      rounds: r.comm_rounds,
      predictedBytes,
      predictedRounds: formula.rounds,
      id: r.id,
    };
  });
  const multiple = (bytes: number) => {
    const m = bytes / E / (W - 1);
    return Number.isInteger(m) ? `${m === 1 ? '' : m}(W−1)E` : `${+(bytes / E).toFixed(2)}E`;
  };
  const list = (loss: LossName) =>
    per
      .filter((p) => p.loss === loss)
      .map((p) => `${p.strategy} ${formatBytes(p.bytes)} = ${multiple(p.bytes)} in ${p.rounds ?? '?'} rounds`)
      .join(', ');
  const verdict = bytesVerdict(per);
  const fewestRounds = [...per].sort((x, y) => (x.rounds ?? Infinity) - (y.rounds ?? Infinity))[0]!;
  const off = per.filter((p) => p.bytes !== p.predictedBytes || (p.rounds !== null && p.rounds !== p.predictedRounds));
  const offText = (p: StrategyBytes) =>
    `${p.loss}/${p.strategy} ${formatBytes(p.bytes)} in ${p.rounds} rounds ` +
    `against ${formatBytes(p.predictedBytes)} in ${p.predictedRounds}`;
  const agreement = off.length
    ? ` Off the formulas: ${off.map(offText).join('; ')}.`
    : ' Every count equals its formula.';
  // A verdict over some strategies only is not the answer: the unmeasured one may be the cheapest.
  const unmeasured = LOSSES.flatMap((l) =>
    DIST_STRATEGIES(l)
      .filter((x) => !per.some((p) => p.loss === l && p.strategy === x))
      .map((x) => `${l}/${x}`),
  );
  const figures =
    `Per device per step at W = ${W} (b = ${b}, D = ${dim}, E = 4·b·D = ${formatBytes(E)}): ` +
    `SigLIP ${list('siglip')}; CLIP ${list('clip')}. ` +
    `Fewest rounds: ${fewestRounds.loss}/${fewestRounds.strategy} (${fewestRounds.rounds}).${agreement}`;
  const among = verdict.text.replace(/^(Yes|No): /, '');
  return {
    topic: 'communication',
    question,
    settled: unmeasured.length === 0,
    answer: unmeasured.length
      ? `Not settled: ${unmeasured.join(', ')} did not run at W = ${W}, b = ${b}. ` +
        `Among the strategies measured: ${among} ${figures}`
      : `${verdict.text} ${figures}`,
    ...(unmeasured.length
      ? {
          settle: benchCommand([
            ['strategy', unmeasured.join(',')],
            ['impl', 'chunked'],
            ['world', String(W)],
            ['local-batch', String(b)],
            ['dim', String(dim)],
            ['chunk', String(chunk)],
          ]),
        }
      : {}),
    basis: basisOf(dist.filter((r) => r.local_batch === b && r.dim === dim)),
    see,
    data: {
      world: W,
      local_batch: b,
      dim,
      element_block_bytes: E,
      strategies: per,
      unmeasured,
      siglip_over_clip_cheapest: verdict.ratio,
    },
  };
}

// ---------- What does chunking cost in time, and what does it buy in memory? ----------

interface ChunkingPair {
  loss: LossName;
  n: number;
  chunk: number;
  naive: Row;
  chunked: Row;
  timeRatio: number;
  memoryRatio: number;
  /** The p10–p90 spreads of the two step times overlap. */
  overlap: boolean;
}

/** Per loss: naive against chunked (each tile width) at the largest N where both ran ok on one device. */
function chunkingPairs(rows: readonly Row[]): ChunkingPair[] {
  const single = rows.filter((r) => okPeak(r) && r.strategy === 'single' && r.step_ms_median !== null);
  const out: ChunkingPair[] = [];
  for (const loss of LOSSES) {
    const naive = new Map(
      single.filter((r) => r.loss === loss && r.impl === 'naive').map((r) => [`${r.n}|${r.dim}`, r]),
    );
    const pairs = single.filter((r) => r.loss === loss && r.impl === 'chunked' && naive.has(`${r.n}|${r.dim}`));
    const nMax = Math.max(...pairs.map((r) => r.n));
    for (const ch of pairs.filter((r) => r.n === nMax).sort((a, b) => a.chunk - b.chunk)) {
      const nv = naive.get(`${ch.n}|${ch.dim}`)!;
      const spread = [nv, ch].every((r) => r.step_ms_p10 !== null && r.step_ms_p90 !== null);
      const overlap = spread && ch.step_ms_p10! <= nv.step_ms_p90! && nv.step_ms_p10! <= ch.step_ms_p90!;
      const timeRatio = ch.step_ms_median! / nv.step_ms_median!;
      const memoryRatio = nv.peak_tensor_bytes! / ch.peak_tensor_bytes!;
      out.push({ loss, n: ch.n, chunk: ch.chunk, naive: nv, chunked: ch, timeRatio, memoryRatio, overlap });
    }
  }
  return out;
}

function chunkingCost(rows: readonly Row[]): Answer {
  const question = 'What does chunking cost in time, and what does it buy in memory?';
  const see = ['charts/time-vs-n.png', 'charts/memory-vs-n.png', 'Results'];
  const parts = chunkingPairs(rows);
  const basis = basisOf(parts.flatMap((p) => [p.naive, p.chunked]));
  const data = {
    pairs: parts.map((p) => ({
      loss: p.loss,
      n: p.n,
      chunk: p.chunk,
      time_ratio: p.timeRatio,
      memory_ratio: p.memoryRatio,
      times_overlap: p.overlap,
    })),
  };
  const sentence = (p: ChunkingPair) => {
    const c = parts.filter((q) => q.loss === p.loss).length > 1 ? ` with c = ${p.chunk}` : '';
    const times = `${formatMs(p.chunked.step_ms_median)} vs ${formatMs(p.naive.step_ms_median)}`;
    const within = p.overlap ? ", within each other's p10–p90 spread" : '';
    const bytes = `${formatBytes(p.chunked.peak_tensor_bytes)} vs ${formatBytes(p.naive.peak_tensor_bytes)}`;
    return (
      `${NAME[p.loss]} at N = ${p.n}${c}: a chunked step takes ${formatRatio(p.timeRatio)} naive's time ` +
      `(${times}${within}) and needs 1/${formatRatio(p.memoryRatio).replace('×', '')} of its peak memory (${bytes})`
    );
  };
  const lacking = LOSSES.filter((l) => !parts.some((p) => p.loss === l));
  if (lacking.length) {
    const { dim, chunk } = shape(rows);
    return {
      topic: 'chunking-cost',
      question,
      settled: false,
      basis,
      see,
      data,
      answer:
        `Not settled for ${lacking.map((l) => NAME[l]).join(' and ')}: ` +
        'no batch size where both its naive and chunked step ran ok on one device.' +
        (parts.length ? ` ${parts.map(sentence).join('; ')}.` : ''),
      settle: benchCommand([
        ['loss', lacking.join(',')],
        ['impl', 'naive,chunked'],
        ['batch', batchRange(Math.max(4 * chunk, 2 * dim))],
        ['dim', String(dim)],
        ['chunk', String(chunk)],
      ]),
    };
  }
  return {
    topic: 'chunking-cost',
    question,
    settled: true,
    answer: `${parts.map(sentence).join('; ')}.`,
    basis,
    see,
    data,
  };
}

// ---------- How large a batch fits here, and what does plan predict for W devices? ----------

/** The memory one scenario may use on the run's backend, as the runner judges it (runner.ts availableBytes). */
function memoryHere(info: RunInfo | null): { bytes: number; what: string } | null {
  if (!info) return null;
  const gpu = info.gpus?.[0]?.memory_total_bytes;
  const onGpu = info.backend === 'webgpu' || (info.backend === 'tensorflow' && /CUDA/.test(info.device_name ?? ''));
  if (onGpu && gpu) return { bytes: gpu, what: `${formatBytes(gpu)} of GPU memory` };
  const ram = info.host?.ram_bytes;
  if (!ram) return null;
  // wasm32 addresses at most 4 GiB however much RAM there is.
  const wasm = Math.min(ram, 4 * 2 ** 30);
  if (info.backend === 'wasm') return { bytes: wasm, what: `${formatBytes(wasm)} (wasm32 addresses at most 4 GiB)` };
  return { bytes: ram, what: `${formatBytes(ram)} of RAM` };
}

/** 7,168 → "7.2k"; 1,572,864 → "1.6M": predictions are not exact to the pair. */
function count(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toPrecision(2)}M`;
  if (n >= 1e4) return `${Math.round(n / 1e3)}k`;
  if (n >= 1e3) return `${(n / 1e3).toPrecision(2)}k`;
  return String(n);
}

interface LargestOk {
  loss: LossName;
  impl: ImplName;
  largest: Row | null;
  /** The first scenario above the largest ok one that did not run ok. */
  failed: Row | null;
}

/** What the memory model predicts for one device here and for W of them: a sentence, and its numbers. */
function planPrediction(
  rows: readonly Row[],
  per: LargestOk[],
  mem: { bytes: number; what: string },
  dim: number,
  chunk: number,
): { text: string; plan: Record<string, unknown>[] } {
  const q = { dim, chunk, bytesPerElement: FLOAT32 };
  const one = per.map((p) => ({
    ...p,
    maxN: maxGlobalBatch({ ...q, loss: p.loss, impl: p.impl, strategy: 'single', world: 1 }, mem.bytes),
  }));
  const W = Math.max(8, ...rows.map((r) => r.world));
  const best = LOSSES.map((loss) => {
    const options = DIST_STRATEGIES(loss).flatMap((strategy) =>
      IMPLS.map((impl) => ({
        strategy,
        impl,
        maxN: maxGlobalBatch({ ...q, loss, impl, strategy, world: W }, mem.bytes),
      })),
    );
    return { loss, ...options.sort((a, b) => b.maxN - a.maxN)[0]! };
  });
  const fit = (loss: LossName, impl: ImplName) => count(one.find((p) => p.loss === loss && p.impl === impl)!.maxN);
  const oneText = LOSSES.map(
    (loss) => `${loss} up to N ≈ ${fit(loss, 'naive')} naive and ${fit(loss, 'chunked')} chunked`,
  );
  const manyText = best.map((b) => `${count(b.maxN)} with ${b.loss} ${b.strategy} (${b.impl})`);
  return {
    text:
      ` The memory model (\`plan\`, D = ${dim}, c = ${chunk}, fp32, ${mem.what}) predicts one such device fits ` +
      `${oneText.join(', ')}; ${W} of them, N ≈ ${manyText.join(' and ')}. ` +
      'Predictions: analytic constants, which `plan --calibrate <this folder>` fits to this run.',
    plan: [
      ...one.map((p) => ({ loss: p.loss, impl: p.impl, strategy: 'single', world: 1, max_n: p.maxN })),
      ...best.map((b) => ({ loss: b.loss, impl: b.impl, strategy: b.strategy, world: W, max_n: b.maxN })),
    ],
  };
}

function largestBatch(rows: readonly Row[], info: RunInfo | null): Answer {
  const question = 'How large a batch fits here, and what does `plan` predict for W devices?';
  const see = ['Results', 'charts/measured-vs-predicted.png', '`lossbench plan`'];
  const single = rows.filter((r) => r.strategy === 'single');
  const per: LargestOk[] = LOSSES.flatMap((loss) =>
    IMPLS.map((impl) => {
      const g = single.filter((r) => r.loss === loss && r.impl === impl).sort(byN);
      const ok = g.filter(isOk);
      const largest = ok[ok.length - 1] ?? null;
      const failed = g.find((r) => !isOk(r) && (!largest || r.n > largest.n)) ?? null;
      return { loss, impl, largest, failed };
    }),
  );
  const { dim, chunk } = shape(single);
  if (!per.some((p) => p.largest)) {
    return {
      topic: 'largest-batch',
      question,
      settled: false,
      basis: [],
      see,
      data: {},
      answer: 'Not settled: no single-device scenario ran ok here.',
      settle: benchCommand([
        ['loss', 'clip,siglip'],
        ['impl', 'naive,chunked'],
        ['batch', batchRange(256)],
        ['dim', String(dim)],
        ['chunk', String(chunk)],
      ]),
    };
  }
  const nTop = Math.max(...single.map((r) => r.n));
  const largestText = (p: LargestOk) => {
    const note = p.failed
      ? ` (N = ${p.failed.n} ${p.failed.status})`
      : p.largest?.n === nTop
        ? ' (the largest tried)'
        : '';
    return `${p.loss} ${p.impl} ${p.largest ? p.largest.n : 'none'}${note}`;
  };
  const measured = per.every((p) => p.largest?.n === nTop && !p.failed)
    ? `Every loss × impl ran ok up to N = ${nTop}, the largest tried, so the limit here is above it.`
    : `Largest N that ran ok: ${per.map(largestText).join(', ')}.`;
  const mem = memoryHere(info);
  const predicted = mem
    ? planPrediction(rows, per, mem, dim, chunk)
    : { text: ' No prediction: run.json does not say how much memory this machine has.', plan: [] };
  return {
    topic: 'largest-batch',
    question,
    settled: true,
    answer: measured + predicted.text,
    basis: basisOf(single.filter((r) => isOk(r) || per.some((p) => p.failed === r))),
    see,
    data: {
      largest_ok: per.map((p) => ({
        loss: p.loss,
        impl: p.impl,
        n: p.largest?.n ?? null,
        first_not_ok: p.failed ? { n: p.failed.n, status: p.failed.status } : null,
      })),
      memory_bytes: mem?.bytes ?? null,
      plan: predicted.plan,
    },
  };
}

export function answers(rows: readonly Row[], info: RunInfo | null): Answer[] {
  return [memoryScaling(rows), communication(rows), chunkingCost(rows), largestBatch(rows, info)];
}
