// How large a batch fits here, and what does `plan` predict for W devices? The largest N that ran ok
// per loss × impl, and the memory model's prediction for this machine's memory.
import { IMPLS, LOSSES, type ImplName, type LossName } from '../../losses/types.js';
import { maxGlobalBatch } from '../../model/max-batch.js';
import type { RunInfo } from '../../results/run-info.js';
import { formatBytes } from '../../util/format.js';
import { isOk, type Row } from '../series.js';
import { FLOAT32, type Answer, type Question } from './answer.js';
import { basisOf } from './basis.js';
import { byN, distStrategies } from './row-filters.js';
import { batchRange, benchCommand, shape } from './settle.js';

const topic = 'largest-batch';
const question = 'How large a batch fits here, and what does `plan` predict for W devices?';

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
    const options = distStrategies(loss).flatMap((strategy) =>
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

function answer(rows: readonly Row[], info: RunInfo | null): Answer {
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
      topic,
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
    return `${p.loss} ${p.impl} ${p.largest ? p.largest.n : p.failed ? 'none' : 'not measured'}${note}`;
  };
  const measured = per.every((p) => p.largest?.n === nTop && !p.failed)
    ? `Every loss × impl ran ok up to N = ${nTop}, the largest tried, so the limit here is above it.`
    : `Largest N that ran ok: ${per.map(largestText).join(', ')}.`;
  const mem = memoryHere(info);
  const predicted = mem
    ? planPrediction(rows, per, mem, dim, chunk)
    : { text: ' No prediction: run.json does not say how much memory this machine has.', plan: [] };
  return {
    topic,
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

export const largestBatch: Question = { topic, question, answer };
