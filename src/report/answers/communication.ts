// Does SigLIP move fewer bytes than CLIP across W devices? Counted bytes per strategy at one (W, b, D)
// where both losses ran, against the formulas.
import { predictedComm } from '../../distributed/formulas.js';
import { LOSSES, type LossName } from '../../losses/types.js';
import { formatBytes, formatRatio } from '../../util/format.js';
import { distinct, isOk, type Row } from '../series.js';
import { FLOAT32, NAME, type Answer, type Question } from './answer.js';
import { basisOf } from './basis.js';
import { distStrategies, groupBy } from './row-filters.js';
import { benchCommand, shape } from './settle.js';

interface StrategyBytes {
  loss: LossName;
  strategy: string;
  bytes: number;
  rounds: number | null;
  predictedBytes: number;
  predictedRounds: number;
  id: string;
}

const topic = 'communication';
const question = 'Does SigLIP move fewer bytes than CLIP across W devices?';
const see = ['charts/comm-vs-w.png', 'Findings'];

/** The verdict sentence: SigLIP's cheapest strategy against CLIP's (both losses are in `per`). */
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

/**
 * The (W, b, D) to compare at: one where both losses ran if any (then the largest W, the most strategies,
 * the largest b). A sweep whose losses ran at different W (a failed top scenario, a time budget, a config
 * that sweeps them apart) is compared where they meet, never at a W only one of them reached.
 */
function pickGroup(dist: readonly Row[]): Row[] {
  const losses = (g: Row[]) => distinct(g.map((r) => r.loss)).length;
  const kinds = (g: Row[]) => distinct(g.map((r) => `${r.loss}/${r.strategy}`)).length;
  const groups = [...groupBy(dist, (r) => `${r.world}|${r.local_batch}|${r.dim}`).values()];
  return groups.sort(
    (x, y) =>
      losses(y) - losses(x) ||
      y[0]!.world - x[0]!.world ||
      kinds(y) - kinds(x) ||
      y[0]!.local_batch - x[0]!.local_batch,
  )[0]!;
}

/** Not settled: one loss has no distributed row that ran ok, or the two never ran at the same W, b and D. */
function unsettled(dist: readonly Row[], rows: readonly Row[]): Answer {
  const { dim: D, chunk } = shape(rows);
  const losses = distinct(dist.map((r) => r.loss));
  const lacking = LOSSES.filter((l) => !losses.includes(l));
  const where = (l: LossName) => {
    const mine = dist.filter((r) => r.loss === l);
    return `${NAME[l]} at ${distinct(mine.map((r) => `W = ${r.world} (b = ${r.local_batch}, D = ${r.dim})`)).join(', ')}`;
  };
  // Apart: both ran, never together. Settle by running the lacking one where the other ran largest.
  const apart = lacking.length === 0;
  const top = [...dist].sort((a, b) => b.world - a.world || b.local_batch - a.local_batch)[0];
  const need = apart ? LOSSES.filter((l) => l !== top!.loss) : lacking;
  const answer = apart
    ? 'Not settled: the two losses never ran ok at the same W, b and D, so their bytes cannot be set side by ' +
      `side. Measured: ${LOSSES.map(where).join('; ')}.`
    : losses.length
      ? `Not settled: no distributed scenario of ${NAME[lacking[0]!]} ran ok, ` +
        `so there is nothing to set ${NAME[losses[0]!]}'s bytes against.`
      : 'Not measured: no distributed scenario ran ok.';
  return {
    topic,
    question,
    settled: false,
    basis: basisOf(dist),
    see,
    data: {},
    answer,
    settle: benchCommand([
      ['loss', need.join(',')],
      ['impl', 'chunked'],
      ['strategy', need.flatMap((l) => distStrategies(l).map((x) => `${l}/${x}`)).join(',')],
      ['world', apart ? String(top!.world) : '2,4,8'],
      ['local-batch', apart ? String(top!.local_batch) : '64'],
      ['dim', String(apart ? top!.dim : D)],
      ['chunk', String(chunk)],
    ]),
  };
}

function answer(rows: readonly Row[]): Answer {
  const { chunk } = shape(rows);
  const dist = rows.filter((r) => isOk(r) && r.world > 1 && r.comm_bytes_sent !== null);
  if (dist.length === 0) return unsettled(dist, rows);
  const g = pickGroup(dist);
  if (distinct(g.map((r) => r.loss)).length < 2) return unsettled(dist, rows);
  const { world: W, local_batch: b, dim } = g[0]!;
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
    distStrategies(l)
      .filter((x) => !per.some((p) => p.loss === l && p.strategy === x))
      .map((x) => `${l}/${x}`),
  );
  const figures =
    `Per device per step at W = ${W} (b = ${b}, D = ${dim}, E = 4·b·D = ${formatBytes(E)}): ` +
    `SigLIP ${list('siglip')}; CLIP ${list('clip')}. ` +
    `Fewest rounds: ${fewestRounds.loss}/${fewestRounds.strategy} (${fewestRounds.rounds}).${agreement}`;
  const among = verdict.text.replace(/^(Yes|No): /, '');
  return {
    topic,
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

export const communication: Question = { topic, question, answer };
