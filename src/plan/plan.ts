// `lossbench plan`: what each strategy × impl needs per device at a given N, W, D — memory, traffic,
// modelled communication time, FLOPs — and the largest global N that fits the device.
import { existsSync, statSync } from 'node:fs';
import { UsageError } from '../util/errors.js';
import { predictedComm } from '../distributed/formulas.js';
import { IMPLS, isBuiltinImpl, TORCH_OWN_IMPLS, type LossName } from '../losses/types.js';
import { formatBytes } from '../util/format.js';
import { renderText, type Column } from '../util/table.js';
import { files, readResults, readRunInfo } from '../results/store.js';
import { STRATEGY_LIST, type StrategyName } from '../distributed/registry.js';
import { commTimeMs, type Link } from '../model/comm.js';
import { linkFromProbe } from '../model/link-fit.js';
import { memoryProfile, type MemoryTarget } from '../model/memory-constants.js';
import type { EngineName, TorchDevice, TorchDtype } from '../engine/engines.js';
import { flopsOf } from '../model/flops.js';
import { fitTwoTerms } from '../model/least-squares.js';
import {
  isMemoryKey,
  isTorchOwnKey,
  memoryTerms,
  predictPeakBytes,
  type AnyMemoryKey,
  type MemoryConstants,
  type MemoryConstantTable,
  type ModelledImpl,
} from '../model/memory.js';
import { largestFitting } from '../model/max-batch.js';

export interface PlanInput {
  n: number;
  world: number;
  dim: number;
  chunk: number;
  deviceMemoryBytes: number;
  link: Link;
  /** Whose implementations the memory constants describe (default tfjs). */
  engine?: EngineName;
  /** torch: the device kind whose constants apply (default cpu). */
  device?: TorchDevice;
  /** Numeric mode (default fp32); memory-constants.ts says what it does to the bytes. */
  dtype?: TorchDtype;
  constants?: MemoryConstantTable;
}

/** The memory target of a plan's input. */
export const targetOf = (p: Pick<PlanInput, 'engine' | 'device' | 'dtype'>): MemoryTarget => ({
  engine: p.engine ?? 'tfjs',
  device: p.device,
  dtype: p.dtype,
});

export interface PlanRow {
  loss: LossName;
  /** naive, chunked; on torch also checkpoint (one device). */
  impl: ModelledImpl;
  strategy: StrategyName;
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

export function planRows(p: PlanInput): PlanRow[] {
  const rows: PlanRow[] = [];
  const profile = memoryProfile(targetOf(p));
  const constants: MemoryConstantTable = { ...profile.constants, ...p.constants };
  for (const { loss, name: strategy, oneDevice } of STRATEGY_LIST)
    for (const impl of [
      ...IMPLS,
      ...TORCH_OWN_IMPLS.filter((i) => constants[`${loss}/${strategy}/${i}` as AnyMemoryKey]),
    ]) {
      const W = oneDevice ? 1 : p.world;
      const b = p.n / W;
      const bytesAt = (localBatch: number) =>
        predictPeakBytes(
          {
            loss,
            impl,
            strategy,
            n: W * localBatch,
            world: W,
            localBatch,
            dim: p.dim,
            chunk: p.chunk,
            bytesPerElement: profile.bytesPerElement,
          },
          constants,
        );
      const perDeviceBytes = bytesAt(b);
      const comm = predictedComm(loss, strategy, W, b, p.dim, profile.commBytesPerElement);
      rows.push({
        loss,
        impl,
        strategy,
        world: W,
        perDeviceBytes,
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

/**
 * The link a results folder measured (run.json's link_probe, recorded by torch runs with W > 1), as α
 * and β fitted to its rows (model/link-fit.ts). A folder without one is a UsageError.
 */
export function measuredLink(dir: string): Link {
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new UsageError(`link-from: results folder not found: ${dir}`);
  const probe = readRunInfo(dir).link_probe;
  if (!probe)
    throw new UsageError(`link-from: ${files(dir).runJson} has no link_probe (torch runs with W > 1 record one)`);
  const link = linkFromProbe(probe);
  if (!link) throw new UsageError(`link-from: the link probe in ${files(dir).runJson} determines no bandwidth`);
  const gbps = link.bytesPerSecond / 1e9;
  return {
    ...link,
    name: `measured in ${dir} (${probe.backend}, W = ${probe.world}: ${(link.latencyS * 1e6).toPrecision(3)} µs, ${gbps.toPrecision(3)} GB/s)`,
  };
}

/**
 * Fits the memory constants to a results folder (results.jsonl rows with status ok), read through the
 * project's one reader (readResults → results/load.ts: shape-checked, missing fields normalised, a torn
 * last line dropped): per loss/strategy/impl, peak_tensor_bytes/4 (float32 elements; torch's bf16 mode
 * keeps float32 logits) ≈ kLogit·L + kFeature·F. Only the rows of one device kind and dtype are fitted:
 * the folder's (its rows' `engine`, `backend` — cpu or cuda for torch — and `dtype` columns), `dtype`
 * picking among several. Groups with no rows keep that target's constants. A folder with no usable ok
 * row, rows of two engines or two torch devices, or a fit that gives a non-finite or negative constant,
 * is a UsageError.
 */
export function calibrate(
  dir: string,
  engine?: EngineName,
  dtype?: TorchDtype,
): { constants: Partial<Record<AnyMemoryKey, MemoryConstants>>; fitted: AnyMemoryKey[]; target: MemoryTarget } {
  const jsonl = files(dir).jsonl;
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new UsageError(`calibrate: results folder not found: ${dir}`);
  if (!existsSync(jsonl)) throw new UsageError(`calibrate: no results.jsonl in ${dir}`);
  const all = readResults(dir);
  const engines = [...new Set(all.map((r) => r.engine))];
  if (engines.length > 1)
    throw new UsageError(
      `calibrate: ${jsonl} holds rows of engines ${engines.join(' and ')}; calibrate one engine at a time`,
    );
  const folderEngine = engines[0] ?? engine ?? 'tfjs';
  if (engine && engine !== folderEngine)
    throw new UsageError(
      `calibrate: ${dir} is a ${folderEngine} run; give --engine ${folderEngine} (or leave --engine out)`,
    );
  const devices = [...new Set(all.map((r) => (r.backend === 'cuda' ? 'cuda' : 'cpu')))];
  if (folderEngine === 'torch' && devices.length > 1)
    throw new UsageError(`calibrate: ${jsonl} holds torch rows of cpu and cuda; calibrate one device at a time`);
  const dtypes = [...new Set(all.map((r) => r.dtype as TorchDtype))];
  const fitDtype = dtype ?? (dtypes.length === 1 ? dtypes[0] : 'fp32');
  const rows = all.filter((r) => r.dtype === fitDtype);
  const target: MemoryTarget = {
    engine: folderEngine,
    device: folderEngine === 'torch' ? (devices[0] as TorchDevice | undefined) : undefined,
    dtype: fitDtype,
  };
  const base = memoryProfile(target).constants;
  const groups = new Map<AnyMemoryKey, { u: number[]; v: number[]; y: number[] }>();
  for (const r of rows) {
    if (r.status !== 'ok' || r.peak_tensor_bytes === null || !(r.peak_tensor_bytes > 0)) continue;
    const key = `${r.loss}/${r.strategy}/${r.impl}`;
    // lossbench's own impls, and on torch the checkpoint reference (one device)
    const own = isMemoryKey(key) && isBuiltinImpl(r.impl);
    if (!own && !(folderEngine === 'torch' && isTorchOwnKey(key))) continue;
    const localBatch = Number.isFinite(r.local_batch) && r.local_batch > 0 ? r.local_batch : r.n / r.world;
    const [L, F] = memoryTerms({
      loss: r.loss,
      impl: r.impl as ModelledImpl,
      strategy: r.strategy,
      n: r.n,
      world: r.world,
      localBatch,
      dim: r.dim,
      chunk: r.chunk,
    });
    if (![L, F].every((x) => Number.isFinite(x) && x > 0)) continue;
    const g = groups.get(key) ?? { u: [], v: [], y: [] };
    g.u.push(L);
    g.v.push(F);
    g.y.push(r.peak_tensor_bytes / 4);
    groups.set(key, g);
  }
  if (groups.size === 0)
    throw new UsageError(
      `calibrate: no usable ok rows (status ok with peak_tensor_bytes${dtypes.length > 1 ? `, dtype ${fitDtype}` : ''}) in ${jsonl}`,
    );
  const constants: Partial<Record<AnyMemoryKey, MemoryConstants>> = { ...base };
  for (const [key, g] of groups) {
    const [kLogit, kFeature] = fitTwoTerms(g.u, g.v, g.y);
    if (![kLogit, kFeature].every((k) => Number.isFinite(k) && k >= 0) || kLogit + kFeature === 0)
      throw new UsageError(
        `calibrate: the fit for ${key} gives unusable constants (kLogit ${kLogit}, kFeature ${kFeature}) from ${g.y.length} row(s) of ${jsonl}`,
      );
    constants[key] = { kLogit, kFeature };
  }
  return { constants, fitted: [...groups.keys()].sort(), target };
}

// ---------- text output ----------

const formatFlops = (f: number) => (f === 0 ? '0' : f.toExponential(2));

const PLAN_COLUMNS: Column<PlanRow>[] = [
  { header: 'loss', cell: (r) => r.loss },
  { header: 'strategy', cell: (r) => r.strategy },
  { header: 'impl', cell: (r) => r.impl },
  { header: 'W', align: 'right', cell: (r) => String(r.world) },
  { header: 'mem/device', align: 'right', cell: (r) => formatBytes(r.perDeviceBytes) },
  { header: 'fits', cell: (r) => (r.fits ? 'yes' : 'no') },
  { header: 'headroom', align: 'right', cell: (r) => formatBytes(r.headroomBytes) },
  { header: 'sent/device', align: 'right', cell: (r) => formatBytes(r.commBytesSent) },
  { header: 'rounds', align: 'right', cell: (r) => String(r.commRounds) },
  { header: 'comm ms (modelled)', align: 'right', cell: (r) => r.commMsModelled.toFixed(3) },
  { header: 'FLOPs', align: 'right', cell: (r) => formatFlops(r.flops) },
  { header: 'max N', align: 'right', cell: (r) => String(r.maxN) },
];

export function formatTable(p: PlanInput, rows: PlanRow[]): string {
  const t = targetOf(p);
  const dtype = t.dtype ?? 'fp32';
  const engine = t.engine === 'torch' ? `torch on ${t.device ?? 'cpu'}` : 'tfjs';
  const gib = p.deviceMemoryBytes / 2 ** 30;
  const memory = Number.isInteger(gib) ? `${gib} GiB` : formatBytes(p.deviceMemoryBytes); // as given: --device-memory 80 → "80 GiB"
  return [
    `plan: N = ${p.n}, W = ${p.world}, D = ${p.dim}, c = ${p.chunk}, ${dtype}, device memory ${memory}, link ${p.link.name}`,
    `memory: loss step only (features, logits, gradients) of the ${engine} engine's implementations (${memoryProfile(t).note}); communication time is modelled (rounds·α + bytes/β), not measured: the whole transfer time, of which an overlapped torch ring (--overlap on) exposes only what its compute does not hide`,
    '',
    renderText(PLAN_COLUMNS, rows),
  ].join('\n');
}
