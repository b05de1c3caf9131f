// Reads a results folder: run.json + results.jsonl. A killed sweep may leave a torn last line (the start
// of a row's JSON), which is dropped (the runner resumes from it); a bad line before the last means the
// file is damaged, and a run.json without a run's fields or a last line that is no row's start means the
// folder is not lossbench's: UsageError, naming the file.
import { scenarioId } from './scenario.js';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UsageError } from '../util/errors.js';
import { STATUSES, type ScenarioResult } from './row.js';
import type { RunInfo } from './run-info.js';

export interface LoadedRun {
  dir: string;
  /** Null when run.json is absent (the report says so rather than refusing). */
  info: RunInfo | null;
  rows: ScenarioResult[];
  /** Things the reader should know, e.g. a torn last line that was ignored. */
  warnings: string[];
}

const REQUIRED: (keyof ScenarioResult)[] = ['id', 'loss', 'impl', 'strategy', 'n', 'world', 'dim', 'chunk', 'status'];

function shapeProblem(v: unknown): string | null {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'not a JSON object';
  const o = v as Record<string, unknown>;
  const missing = REQUIRED.filter((k) => o[k] === undefined);
  if (missing.length) return `missing field(s) ${missing.join(', ')}`;
  if (!STATUSES.includes(o.status as never)) return `unknown status ${JSON.stringify(o.status)}`;
  for (const k of ['n', 'world', 'dim'] as const) if (typeof o[k] !== 'number') return `field ${k} is not a number`;
  if (typeof o.chunk !== 'number' && o.chunk !== null) return 'field chunk is not a number or null';
  return null;
}

/** Parses results.jsonl text; `file` names it in error messages. */
export function parseResultsJsonl(text: string, file: string): { rows: ScenarioResult[]; warnings: string[] } {
  const lines = text.split('\n');
  let last = lines.length - 1;
  while (last >= 0 && lines[last]!.trim() === '') last--;
  const rows: ScenarioResult[] = [];
  const warnings: string[] = [];
  for (let i = 0; i <= last; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      // Torn: the start of a row's JSON object, as a write cut short leaves it. Any other text is not ours.
      if (i === last && line.startsWith('{')) {
        warnings.push(`${file} line ${i + 1}: torn last line ignored (an interrupted run)`);
        break;
      }
      throw new UsageError(`${file} line ${i + 1}: not valid JSON (${line.length > 40 ? line.slice(0, 40) + '…' : line})`);
    }
    const problem = shapeProblem(v);
    if (problem) throw new UsageError(`${file} line ${i + 1}: not a scenario result (${problem})`);
    rows.push(normalise(v as ScenarioResult));
  }
  return { rows, warnings };
}

/** What tfjs rows' peak_tensor_bytes is (src/probes/tensor-memory.ts, src/distributed). */
export const TFJS_MEMORY_PROBE = 'tfjs tensor accounting (tf.memory)';

/** Fields a reader relies on default to null/'' so older or hand-written rows still report. */
function normalise(r: ScenarioResult): ScenarioResult {
  const o = r as unknown as Record<string, unknown>;
  const nullable: (keyof ScenarioResult)[] = [
    'loss_value', 'step_ms_median', 'step_ms_p10', 'step_ms_p90', 'step_samples', 'peak_tensor_bytes',
    'predicted_peak_bytes', 'device_mem_bytes', 'host_rss_peak_bytes', 'comm_bytes_sent', 'comm_bytes_received',
    'comm_rounds', 'predicted_comm_bytes', 'comm_ms_modelled', 'flops', 'achieved_flops_per_s',
    'err_loss', 'err_dx', 'err_dy', 'err_dt', 'err_db',
  ];
  for (const k of nullable) if (typeof o[k] !== 'number' || !Number.isFinite(o[k] as number)) o[k] = null;
  for (const k of ['reason', 'comm_link', 'backend', 'device_name', 'finished_at', 'accuracy', 'impl_version'] as const)
    if (typeof o[k] !== 'string') o[k] = '';
  if (typeof o.local_batch !== 'number') o.local_batch = r.n / r.world;
  if (typeof o.wall_ms !== 'number') o.wall_ms = 0;
  // Rows written before the torch engine are tfjs rows: fp32, collectives simulated when W > 1.
  if (o.engine !== 'torch') o.engine = 'tfjs';
  if (typeof o.dtype !== 'string' || o.dtype === '') o.dtype = 'fp32';
  if (typeof o.dist_backend !== 'string' || o.dist_backend === '') o.dist_backend = r.engine === 'tfjs' && r.world > 1 ? 'simulated' : 'none';
  if (typeof o.comm_ms_measured !== 'number' || !Number.isFinite(o.comm_ms_measured)) o.comm_ms_measured = null;
  if (typeof o.device_compute_ms !== 'number' || !Number.isFinite(o.device_compute_ms)) o.device_compute_ms = null;
  if (typeof o.comm_exposed_ms !== 'number' || !Number.isFinite(o.comm_exposed_ms)) o.comm_exposed_ms = null;
  if (typeof o.memory_probe !== 'string') o.memory_probe = r.engine === 'tfjs' ? TFJS_MEMORY_PROBE : '';
  // Naive has no tile width: rows of older versions carried the sweep's c (and "/c<c>" in the id).
  if (r.impl === 'naive' && r.chunk !== null) {
    r.chunk = null;
    r.id = scenarioId(r);
  }
  return r;
}

/** The fields that make a run.json lossbench's (bench writes them all; resume and report rely on them). */
const RUN_FIELDS: [string, (o: Record<string, unknown>) => boolean][] = [
  ['lossbench_version', (o) => typeof o.lossbench_version === 'string'],
  ['created_at', (o) => typeof o.created_at === 'string'],
  ['backend', (o) => typeof o.backend === 'string'],
  ['config.scenarios', (o) => typeof o.config === 'object' && o.config !== null && Array.isArray((o.config as Record<string, unknown>).scenarios)],
];

/** Parses a run.json; a file that is not JSON, or not a lossbench run's, is a UsageError naming it. */
export function parseRunInfo(text: string, file: string): RunInfo {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${file}: not valid JSON (${(e as Error).message.split('\n')[0]})`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new UsageError(`${file}: not a JSON object`);
  const missing = RUN_FIELDS.filter(([, has]) => !has(v as Record<string, unknown>)).map(([name]) => name);
  if (missing.length) throw new UsageError(`${file}: not a lossbench run (no ${missing.join(', ')}); is ${dirname(file)} a lossbench results folder?`);
  return v as RunInfo;
}

export function loadRun(dir: string): LoadedRun {
  if (!existsSync(dir)) throw new UsageError(`results folder not found: ${dir}`);
  if (!statSync(dir).isDirectory()) throw new UsageError(`not a results folder (a file): ${dir}`);
  const jsonl = join(dir, 'results.jsonl');
  if (!existsSync(jsonl)) throw new UsageError(`no results.jsonl in ${dir} (is it a lossbench results folder?)`);
  // run.json first: a folder that is not a lossbench run is named as such, before its lines are read.
  const info = readRunJson(join(dir, 'run.json'));
  const { rows, warnings } = parseResultsJsonl(readFileSync(jsonl, 'utf8'), jsonl);
  if (!info) warnings.push(`no run.json in ${dir}: hardware and settings unknown`);
  return { dir, info, rows, warnings };
}

/** The one run.json reader (report, compare, resume): null when absent; not a lossbench run: UsageError. */
export function readRunJson(path: string): RunInfo | null {
  return existsSync(path) ? parseRunInfo(readFileSync(path, 'utf8'), path) : null;
}

/** A short name for the machine a run came from: device + engine label + host. */
export function runName(run: LoadedRun): string {
  const i = run.info;
  const device = i?.device_name || run.rows[0]?.device_name || 'unknown device';
  const host = i?.host?.hostname || 'unknown host';
  return `${device} · ${engineLabel(run)} · ${host}`;
}

/** Shorter name for chart legends: engine label @ host. */
export function shortRunName(run: LoadedRun): string {
  return `${engineLabel(run)}@${run.info?.host?.hostname || 'unknown host'}`;
}

/**
 * What computed a run, so that runs of two engines on one machine read apart: "cpu-wasm tfjs",
 * "gpu-webgpu tfjs", "cpu torch fp32", "cuda torch bf16".
 */
export function engineLabel(run: LoadedRun): string {
  const row = run.rows[0];
  const backend = run.info?.backend || row?.backend || '?';
  if ((run.info?.engine ?? row?.engine) === 'torch') return `${backend} torch ${run.info?.torch?.dtype ?? row?.dtype ?? 'fp32'}`;
  const gpu = backend === 'webgpu' || /CUDA/.test(run.info?.device_name || row?.device_name || '');
  return `${gpu ? 'gpu' : 'cpu'}-${backend} tfjs`;
}
