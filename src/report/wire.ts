// The communication model checked against the wire: for a torch run that measured its link (run.json's
// link_probe), α and β fitted to the probe (as `plan --link-from` does) predict each distributed scenario's
// comm time from the contract's bytes and rounds; beside it the time the ranks measured in collectives.
import { predictedComm } from '../distributed/formulas.js';
import { commTimeMs, type Link } from '../model/comm.js';
import { linkFromProbe } from '../model/link-fit.js';
import type { RunInfo } from '../results/run-info.js';
import type { ScenarioResult } from '../results/row.js';
import type { Block } from './doc.js';
import { formatBytes, formatMs } from '../util/format.js';

/** How far the prediction may be from the measurement for a ring strategy: |pred − meas| ≤ 25 % of meas. */
export const WIRE_TOLERANCE = 0.25;

export interface WireRow {
  id: string;
  strategy: string;
  world: number;
  /** Ring strategies (point-to-point rounds) are held to the tolerance; the all-gathers are shown. */
  ring: boolean;
  bytesSent: number | null;
  contractBytes: number;
  rounds: number | null;
  contractRounds: number;
  /** comm_ms_measured: median per step of the wall time in collectives, busiest rank. */
  measuredMs: number;
  /** comm_exposed_ms where the run has it: the part of it the step waited for. */
  exposedMs: number | null;
  stepMs: number | null;
  predictedMs: number;
  /** predicted / measured. */
  ratio: number;
  within: boolean;
  /** Where the prediction misses: which way and what the row says about it (empty when within). */
  why: string;
}

/** The link the run's probe measured, fitted; null without a usable probe. */
export function probedLink(info: RunInfo | null | undefined): Link | null {
  return info?.link_probe ? linkFromProbe(info.link_probe) : null;
}

const isRing = (strategy: string) => strategy.includes('ring');

function why(r: Omit<WireRow, 'why'>): string {
  if (r.within) return '';
  const off = `${Math.round(Math.abs(r.ratio - 1) * 100)} % ${r.ratio < 1 ? 'below' : 'above'} the measurement`;
  if (r.bytesSent !== r.contractBytes) return `${off}; counted bytes differ from the contract`;
  if (r.ratio < 1 && r.stepMs !== null && r.measuredMs > 0.5 * r.stepMs)
    return `${off}: collectives took ${Math.round((100 * r.measuredMs) / r.stepMs)} % of the step, so the wait for peers' compute is in the measurement`;
  if (r.ratio < 1) return `${off}: the measurement holds time the link model has no term for (waits, CPU contention)`;
  return `${off}: the link carried this traffic faster than the probe's fit`;
}

/** One row per distributed ok scenario with a measured comm time. */
export function wireComparison(rows: readonly ScenarioResult[], link: Link): WireRow[] {
  const out: WireRow[] = [];
  for (const r of rows) {
    if (r.status !== 'ok' || r.world < 2 || r.comm_ms_measured === null || !(r.comm_ms_measured > 0)) continue;
    const bpe = 4; // features travel as float32 in every dtype mode (bf16 casts only inside the logit matmuls)
    const c = predictedComm(r.loss, r.strategy, r.world, r.local_batch, r.dim, bpe);
    const predictedMs = commTimeMs(c.bytesSent, c.rounds, link);
    const ratio = predictedMs / r.comm_ms_measured;
    const base = {
      id: r.id,
      strategy: `${r.loss}/${r.strategy}`,
      world: r.world,
      ring: isRing(r.strategy),
      bytesSent: r.comm_bytes_sent,
      contractBytes: c.bytesSent,
      rounds: r.comm_rounds,
      contractRounds: c.rounds,
      measuredMs: r.comm_ms_measured,
      exposedMs: r.comm_exposed_ms ?? null,
      stepMs: r.step_ms_median,
      predictedMs,
      ratio,
      within: Math.abs(predictedMs - r.comm_ms_measured) <= WIRE_TOLERANCE * r.comm_ms_measured,
    };
    out.push({ ...base, why: why(base) });
  }
  return out;
}

export const WIRE_HEAD = [
  'scenario',
  'sent / device (contract)',
  'rounds',
  'measured comm',
  'exposed',
  'predicted (α, β fitted)',
  'pred / meas',
  'verdict',
];

export function wireCells(w: WireRow): string[] {
  const bytes =
    w.bytesSent === w.contractBytes
      ? formatBytes(w.bytesSent)
      : `${formatBytes(w.bytesSent)} ≠ ${formatBytes(w.contractBytes)}`;
  const verdict = w.within ? 'within 25 %' : w.ring ? `OFF: ${w.why}` : `(all-gather, shown) ${w.why}`;
  return [
    w.id,
    bytes,
    String(w.rounds ?? '—'),
    formatMs(w.measuredMs),
    w.exposedMs === null ? '—' : formatMs(w.exposedMs),
    formatMs(w.predictedMs),
    w.ratio.toFixed(2),
    verdict,
  ];
}

/** The link in words: "α 142 µs, β 24.1 MB/s (gloo, W = 4 over 2 nodes)". */
export function describeLink(link: Link, info: RunInfo): string {
  const p = info.link_probe!;
  const beta = link.bytesPerSecond;
  const bw = beta >= 1e9 ? `${(beta / 1e9).toPrecision(3)} GB/s` : `${(beta / 1e6).toPrecision(3)} MB/s`;
  const nodes = p.nodes && p.nodes > 1 ? ` over ${p.nodes} nodes` : '';
  return `α ${(link.latencyS * 1e6).toPrecision(3)} µs per round, β ${bw} (${p.backend}, W = ${p.world}${nodes})`;
}

/** The report section; none when the run has no probe or no measured comm time. */
export function wireBlocks(info: RunInfo | null | undefined, rows: readonly ScenarioResult[], dir: string): Block[] {
  const link = probedLink(info);
  if (!link || !info) return [];
  const w = wireComparison(rows, link);
  if (!w.length) return [];
  const rings = w.filter((x) => x.ring);
  const off = rings.filter((x) => !x.within);
  return [
    { kind: 'h', level: 2, text: 'Communication: the model against the wire' },
    {
      kind: 'p',
      text:
        `The link probe of this run fitted ${describeLink(link, info)} (\`lossbench plan --link-from ${dir}\` models the same link). ` +
        'Predicted: rounds·α + bytes/β with the contract’s bytes and rounds; measured: the median per step of the wall time the busiest rank spent in collectives (comm_ms_measured), which includes waiting for a slower peer. ' +
        (off.length
          ? `${off.length} of ${rings.length} ring scenarios are off by more than 25 %: ${off.map((x) => `${x.id} (${x.why})`).join('; ')}.`
          : `Every ring scenario (${rings.length}) is within 25 % of its measurement.`),
    },
    { kind: 'table', head: WIRE_HEAD, rows: w.map(wireCells) },
  ];
}
