// What does chunking cost in time, and what does it buy in memory? Naive against chunked on one device.
import { LOSSES, type LossName } from '../../losses/types.js';
import { formatBytes, formatMs, formatRatio } from '../../util/format.js';
import type { Row } from '../series.js';
import { NAME, type Answer, type Question } from './answer.js';
import { basisOf } from './basis.js';
import { okPeak } from './row-filters.js';
import { batchRange, benchCommand, shape } from './settle.js';

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
    for (const ch of pairs.filter((r) => r.n === nMax).sort((a, b) => a.chunk! - b.chunk!)) {
      const nv = naive.get(`${ch.n}|${ch.dim}`)!;
      const spread = [nv, ch].every((r) => r.step_ms_p10 !== null && r.step_ms_p90 !== null);
      const overlap = spread && ch.step_ms_p10! <= nv.step_ms_p90! && nv.step_ms_p10! <= ch.step_ms_p90!;
      const timeRatio = ch.step_ms_median! / nv.step_ms_median!;
      const memoryRatio = nv.peak_tensor_bytes! / ch.peak_tensor_bytes!;
      out.push({ loss, n: ch.n, chunk: ch.chunk!, naive: nv, chunked: ch, timeRatio, memoryRatio, overlap });
    }
  }
  return out;
}

function answer(rows: readonly Row[]): Answer {
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
  const head = { topic: chunkingCost.topic, question: chunkingCost.question, basis, see, data };
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
      ...head,
      settled: false,
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
  return { ...head, settled: true, answer: `${parts.map(sentence).join('; ')}.` };
}

export const chunkingCost: Question = {
  topic: 'chunking-cost',
  question: 'What does chunking cost in time, and what does it buy in memory?',
  answer,
};
