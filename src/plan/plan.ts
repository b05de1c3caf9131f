// `lossbench plan`: what each strategy × impl needs per device at a given N, W, D — memory, traffic,
// modelled communication time, FLOPs — and the largest global N that fits the device.
import { existsSync, statSync } from 'node:fs';
import { UsageError } from '../util/errors.js';
import { predictedComm } from '../distributed/formulas.js';
import { IMPLS, LOSSES, type ImplName, type LossName } from '../losses/types.js';
import { formatBytes } from '../util/format.js';
import { files, readResults, readRunInfo } from '../results/store.js';
import { STRATEGIES } from '../distributed/strategy-names.js';
import { commTimeMs, type Link } from '../model/comm.js';
import { linkFromProbe } from '../model/link-fit.js';
import { memoryConstantsOf } from '../model/memory-torch.js';
import type { EngineName } from '../engine/engines.js';
import { flopsOf } from '../model/flops.js';
import { fitTwoTerms } from '../model/least-squares.js';
import { memoryTerms, predictPeakBytes, type MemoryConstants } from '../model/memory.js';

export interface PlanInput {
  n: number;
  world: number;
  dim: number;
  chunk: number;
  bytesPerElement: number;
  deviceMemoryBytes: number;
  link: Link;
  /** Whose implementations the memory constants describe (default tfjs). */
  engine?: EngineName;
  constants?: Record<string, MemoryConstants>;
}

export interface PlanRow {
  loss: LossName;
  impl: ImplName;
  strategy: string;
  /** Devices the strategy runs on (1 for single). */
  world: number;
  perDeviceBytes: number;
  commBytesSent: number;
  commRounds: number;
  /** Modelled, not measured: rounds·α + bytes/β. */
  commMsModelled: number;
  flops: number;
  fits: boolean;
  headroomBytes: number;
  /** Largest global N (a multiple of W) whose per-device memory fits; 0 if none. */
  maxN: number;
}

const MAX_LOCAL = 2 ** 32;

export function planRows(p: PlanInput): PlanRow[] {
  const rows: PlanRow[] = [];
  for (const loss of LOSSES)
    for (const strategy of STRATEGIES[loss])
      for (const impl of IMPLS) {
        const W = strategy === 'single' ? 1 : p.world;
        const b = p.n / W;
        const bytesAt = (localBatch: number) =>
          predictPeakBytes({ loss, impl, strategy, n: W * localBatch, world: W, localBatch, dim: p.dim, chunk: p.chunk, bytesPerElement: p.bytesPerElement }, p.constants ?? memoryConstantsOf(p.engine ?? 'tfjs'));
        const perDeviceBytes = bytesAt(b);
        const comm = predictedComm(loss, strategy, W, b, p.dim, p.bytesPerElement);
        rows.push({
          loss, impl, strategy, world: W, perDeviceBytes,
          commBytesSent: comm.bytesSent,
          commRounds: comm.rounds,
          commMsModelled: commTimeMs(comm.bytesSent, comm.rounds, p.link),
          flops: flopsOf(loss, impl, strategy, W, b, p.dim, p.chunk),
          fits: perDeviceBytes <= p.deviceMemoryBytes,
          headroomBytes: p.deviceMemoryBytes - perDeviceBytes,
          maxN: W * largestFitting((m) => bytesAt(m) <= p.deviceMemoryBytes),
        });
      }
  return rows;
}

/** Largest m ≥ 1 with fits(m), for fits monotone decreasing in m; 0 if even m = 1 does not fit. */
function largestFitting(fits: (m: number) => boolean): number {
  if (!fits(1)) return 0;
  let lo = 1;
  let hi = 2;
  while (hi < MAX_LOCAL && fits(hi)) [lo, hi] = [hi, hi * 2];
  if (hi >= MAX_LOCAL && fits(hi)) return hi;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}

/**
 * The link a results folder measured (run.json's link_probe, recorded by torch runs with W > 1), as α
 * and β fitted to its rows (model/link-fit.ts). A folder without one is a UsageError.
 */
export function measuredLink(dir: string): Link {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`link-from: results folder not found: ${dir}`);
  const probe = readRunInfo(dir).link_probe;
  if (!probe) throw new UsageError(`link-from: ${files(dir).runJson} has no link_probe (torch runs with W > 1 record one)`);
  const link = linkFromProbe(probe);
  if (!link) throw new UsageError(`link-from: the link probe in ${files(dir).runJson} determines no bandwidth`);
  const gbps = link.bytesPerSecond / 1e9;
  return { ...link, name: `measured in ${dir} (${probe.backend}, W = ${probe.world}: ${(link.latencyS * 1e6).toPrecision(3)} µs, ${gbps.toPrecision(3)} GB/s)` };
}

/**
 * Fits the memory constants to a results folder (results.jsonl rows with status ok), read through the
 * project's one reader (readResults → report/load.ts: shape-checked, missing fields normalised, a torn
 * last line dropped): per loss/strategy/impl, peak_tensor_bytes/4 (both engines compute in float32;
 * torch's bf16 mode only casts the logit matmuls) ≈ kLogit·L + kFeature·F. Groups with no rows keep the
 * engine's constants: the folder's engine (its rows' `engine` column), which must be `engine` when given.
 * A folder with no usable ok row, rows of two engines, or a fit that gives a non-finite or negative
 * constant, is a UsageError.
 */
export function calibrate(dir: string, engine?: EngineName): { constants: Record<string, MemoryConstants>; fitted: string[]; engine: EngineName } {
  const jsonl = files(dir).jsonl;
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`calibrate: results folder not found: ${dir}`);
  if (!existsSync(jsonl)) throw new UsageError(`calibrate: no results.jsonl in ${dir}`);
  const rows = readResults(dir);
  const engines = [...new Set(rows.map((r) => r.engine))];
  if (engines.length > 1) throw new UsageError(`calibrate: ${jsonl} holds rows of engines ${engines.join(' and ')}; calibrate one engine at a time`);
  const folderEngine = engines[0] ?? engine ?? 'tfjs';
  if (engine && engine !== folderEngine) throw new UsageError(`calibrate: ${dir} is a ${folderEngine} run; give --engine ${folderEngine} (or leave --engine out)`);
  const base = memoryConstantsOf(folderEngine);
  const groups = new Map<string, { u: number[]; v: number[]; y: number[] }>();
  for (const r of rows) {
    if (r.status !== 'ok' || r.peak_tensor_bytes === null || !(r.peak_tensor_bytes > 0)) continue;
    const key = `${r.loss}/${r.strategy}/${r.impl}`;
    if (!base[key]) continue;
    const localBatch = Number.isFinite(r.local_batch) && r.local_batch > 0 ? r.local_batch : r.n / r.world;
    const [L, F] = memoryTerms({ loss: r.loss, impl: r.impl, strategy: r.strategy, n: r.n, world: r.world, localBatch, dim: r.dim, chunk: r.chunk });
    if (![L, F].every((x) => Number.isFinite(x) && x > 0)) continue;
    const g = groups.get(key) ?? { u: [], v: [], y: [] };
    g.u.push(L);
    g.v.push(F);
    g.y.push(r.peak_tensor_bytes / 4);
    groups.set(key, g);
  }
  if (groups.size === 0) throw new UsageError(`calibrate: no usable ok rows (status ok with peak_tensor_bytes) in ${jsonl}`);
  const constants = { ...base };
  for (const [key, g] of groups) {
    const [kLogit, kFeature] = fitTwoTerms(g.u, g.v, g.y);
    if (![kLogit, kFeature].every((k) => Number.isFinite(k) && k >= 0) || kLogit + kFeature === 0)
      throw new UsageError(`calibrate: the fit for ${key} gives unusable constants (kLogit ${kLogit}, kFeature ${kFeature}) from ${g.y.length} row(s) of ${jsonl}`);
    constants[key] = { kLogit, kFeature };
  }
  return { constants, fitted: [...groups.keys()].sort(), engine: folderEngine };
}

// ---------- text output ----------

const formatFlops = (f: number) => (f === 0 ? '0' : f.toExponential(2));

export function formatTable(p: PlanInput, rows: PlanRow[]): string {
  const header = ['loss', 'strategy', 'impl', 'W', 'mem/device', 'fits', 'headroom', 'sent/device', 'rounds', 'comm ms (modelled)', 'FLOPs', 'max N'];
  const body = rows.map((r) => [
    r.loss, r.strategy, r.impl, String(r.world), formatBytes(r.perDeviceBytes), r.fits ? 'yes' : 'no', formatBytes(r.headroomBytes),
    formatBytes(r.commBytesSent), String(r.commRounds), r.commMsModelled.toFixed(3), formatFlops(r.flops), String(r.maxN),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const right = new Set([3, 4, 6, 7, 8, 9, 10, 11]);
  const line = (cells: string[]) => cells.map((c, i) => (right.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  const dtype = p.bytesPerElement === 2 ? 'bf16' : 'fp32';
  const gib = p.deviceMemoryBytes / 2 ** 30;
  const memory = Number.isInteger(gib) ? `${gib} GiB` : formatBytes(p.deviceMemoryBytes); // as given: --device-memory 80 → "80 GiB"
  return [
    `plan: N = ${p.n}, W = ${p.world}, D = ${p.dim}, c = ${p.chunk}, ${dtype}, device memory ${memory}, link ${p.link.name}`,
    `memory: loss step only (features, logits, gradients) of the ${p.engine ?? 'tfjs'} engine's implementations; communication time is modelled (rounds·α + bytes/β), not measured`,
    '',
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...body.map(line),
  ].join('\n');
}
