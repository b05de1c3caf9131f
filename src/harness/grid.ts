// From flags, a preset or a config file to the validated list of scenarios to run.
import { readFileSync } from 'node:fs';
import { UsageError } from '../util/errors.js';
import { IMPLS, LOSSES, type LossName } from '../losses/types.js';
import { PRESETS, type SweepAxes } from './presets.js';
import { nonNegativeInt, oneOf, positiveInt } from '../util/validate.js';
import { hasStrategy, STRATEGIES } from '../distributed/registry.js';
import { thirdPartyNames, thirdPartyStrategy } from '../distributed/third-party.js';
import {
  ENGINES,
  TORCH_DEVICES,
  TORCH_DTYPES,
  type EngineName,
  type TorchDevice,
  type TorchDtype,
} from '../engine/engines.js';
import { implOf, scenarioId, validateSpec, type ScenarioSpec } from './spec.js';
import type { Link } from '../model/comm.js';

/** "256..32768" (powers of two from a to b), "256,512,1024", or a single number. */
export function parseSizes(field: string, text: string): number[] {
  const t = text.trim();
  const range = /^(\d+)\.\.(\d+)$/.exec(t);
  if (range) {
    const from = positiveInt(field, range[1]);
    const to = positiveInt(field, range[2]);
    if (to < from) throw new UsageError(`${field}: range ${t} runs backwards`);
    // A range doubles from its start: 3..100 would run 3, 6, …, 96, neither powers of two nor ending at 100.
    const odd = [from, to].find((v) => !isPowerOfTwo(v));
    if (odd !== undefined)
      throw new UsageError(
        `${field}: a range runs over powers of two (like 256..4096), and ${odd} is not one; ` +
          `give powers of two, or a list (${from},${2 * from},${4 * from})`,
      );
    const out: number[] = [];
    for (let v = from; v <= to; v *= 2) out.push(v);
    return out;
  }
  const parts = t.split(',').map((s) => s.trim());
  if (parts.length === 0 || parts.some((p) => p === ''))
    throw new UsageError(
      `${field}: expected a list like 256,512 or a range like 256..4096, got ${JSON.stringify(text)}`,
    );
  return parts.map((p) => positiveInt(field, p));
}

const isPowerOfTwo = (v: number) => v > 0 && 2 ** Math.round(Math.log2(v)) === v;

export function parseList<T extends string>(field: string, text: string, allowed: readonly T[]): T[] {
  return text.split(',').map((s) => oneOf(field, s.trim(), allowed));
}

/** Expands sweep axes into scenarios; strategies that the loss lacks are left out for that loss. */
export function expand(axes: SweepAxes, link: Link, seed = 1, dropped: string[] = []): ScenarioSpec[] {
  const out: ScenarioSpec[] = [];
  for (const dim of axes.dims)
    for (const chunk of axes.chunks)
      for (const loss of axes.losses)
        for (const entry of axes.strategies) {
          // "ring" applies to every loss that has it; "clip/ring" to CLIP only.
          const [only, strategy] = entry.includes('/') ? (entry.split('/') as [string, string]) : [loss, entry];
          if (only !== loss || !(hasStrategy(loss, strategy) || thirdPartyStrategy(loss, strategy))) continue;
          for (const impl of axes.impls) {
            // c applies to chunked only: a naive scenario runs once, not once per tile width.
            if (impl === 'naive' && chunk !== axes.chunks[0]) continue;
            for (const world of strategy === 'single' ? [1] : axes.worlds)
              for (const batch of axes.batches) {
                let localBatch = batch;
                if (axes.batchIs === 'global') {
                  if (batch % world !== 0) {
                    dropped.push(`batch: N = ${batch} is not divisible by world ${world}`);
                    continue;
                  }
                  localBatch = batch / world;
                }
                out.push(
                  validateSpec({
                    loss,
                    impl,
                    strategy,
                    world,
                    localBatch,
                    n: world * localBatch,
                    dim,
                    chunk: impl === 'naive' ? null : chunk,
                    warmup: axes.warmup,
                    samples: axes.samples,
                    timeBudgetMs: axes.timeBudgetMs,
                    seed,
                    link,
                  }),
                );
              }
          }
        }
  return dedupe(out);
}

export function dedupe(specs: ScenarioSpec[]): ScenarioSpec[] {
  const seen = new Set<string>();
  return specs.filter((s) => {
    const id = scenarioId(s);
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

export interface SweepFlags {
  preset?: string;
  config?: string;
  loss?: string;
  impl?: string;
  strategy?: string;
  batch?: string;
  globalBatch?: string;
  localBatch?: string;
  world?: string;
  dim?: string;
  chunk?: string;
  warmup?: string;
  samples?: string;
  sampleTimeMs?: string;
  link: Link;
}

const SWEEP_KEYS = [
  'losses',
  'impls',
  'strategies',
  'batches',
  'worlds',
  'batchIs',
  'dims',
  'chunks',
  'warmup',
  'samples',
  'timeBudgetMs',
] as const;
/** Top-level fields of a config file that say what runs the sweep rather than what it sweeps. */
const ENGINE_KEYS = ['engine', 'device', 'dtype'] as const;

/** A config file's engine settings ({"engine": "torch", "device": "cpu", "dtype": "bf16"}); absent fields undefined. */
export function configEngine(path: string): { engine?: EngineName; device?: TorchDevice; dtype?: TorchDtype } {
  const obj = readConfig(path);
  return {
    engine: obj.engine === undefined ? undefined : oneOf(`config ${path}: engine`, obj.engine, ENGINES),
    device: obj.device === undefined ? undefined : oneOf(`config ${path}: device`, obj.device, TORCH_DEVICES),
    dtype: obj.dtype === undefined ? undefined : oneOf(`config ${path}: dtype`, obj.dtype, TORCH_DTYPES),
  };
}

/** A config file: { "preset": "quick" } or one sweep's axes, or { "sweeps": [axes, ...] }. */
export function loadConfig(path: string): SweepAxes[] {
  const obj = Object.fromEntries(
    Object.entries(readConfig(path)).filter(([k]) => !(ENGINE_KEYS as readonly string[]).includes(k)),
  );
  // A config is one of three shapes; a field beside "preset" or "sweeps" would be ignored: refused instead.
  for (const whole of ['preset', 'sweeps'] as const) {
    const beside = Object.keys(obj).filter((k) => k !== whole);
    if (obj[whole] !== undefined && beside.length)
      throw new UsageError(
        `config ${path}: "${whole}" stands alone (with "engine", "device", "dtype"), but the file also has ` +
          `${beside.map((k) => `"${k}"`).join(', ')}, which would be ignored: ` +
          (whole === 'preset'
            ? 'drop them, or give the sweep\'s fields without "preset" (flags such as --batch override a preset)'
            : 'move them into each sweep of "sweeps"'),
      );
  }
  if (obj.preset !== undefined)
    return presetSweeps(typeof obj.preset === 'string' ? obj.preset : JSON.stringify(obj.preset));
  if (obj.sweeps !== undefined && (!Array.isArray(obj.sweeps) || obj.sweeps.length === 0))
    throw new UsageError(`config ${path}: sweeps must be a non-empty array of sweeps`);
  const sweeps = Array.isArray(obj.sweeps) ? obj.sweeps : [obj];
  return sweeps.map((s, i) => checkAxes(`config ${path}${Array.isArray(obj.sweeps) ? ` sweeps[${i}]` : ''}`, s));
}

function readConfig(path: string): Record<string, unknown> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new UsageError(
      `config ${path}: ${err instanceof SyntaxError ? 'not valid JSON: ' + err.message.replace(/\s+/g, ' ') : 'cannot be read'}`,
    );
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new UsageError(`config ${path}: expected a JSON object`);
  return raw as Record<string, unknown>;
}

function checkAxes(where: string, s: unknown): SweepAxes {
  if (typeof s !== 'object' || s === null) throw new UsageError(`${where}: expected an object`);
  const o = s as Record<string, unknown>;
  for (const k of Object.keys(o))
    if (!(SWEEP_KEYS as readonly string[]).includes(k))
      throw new UsageError(`${where}: unknown field "${k}" (fields: ${SWEEP_KEYS.join(', ')})`);
  const arr = (k: string, def: unknown[]) => {
    const v = o[k] ?? def;
    if (!Array.isArray(v) || v.length === 0) throw new UsageError(`${where}: ${k} must be a non-empty array`);
    return v;
  };
  const int = (k: string, def: number, min: number) => {
    const v = o[k] ?? def;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min)
      throw new UsageError(`${where}: ${k} must be an integer ≥ ${min}, got ${JSON.stringify(v)}`);
    return v;
  };
  return {
    losses: arr('losses', [...LOSSES]).map((v) => oneOf(`${where}: losses`, v, LOSSES)),
    impls: arr('impls', [...IMPLS]).map((v) => implOf(`${where}: impls`, v)),
    strategies: arr('strategies', ['single']).map((v) => oneOf(`${where}: strategies`, v, strategyNames())),
    batches: arr('batches', []).map((v) => positiveInt(`${where}: batches`, v)),
    worlds: arr('worlds', [1]).map((v) => positiveInt(`${where}: worlds`, v)),
    batchIs: oneOf(`${where}: batchIs`, o.batchIs ?? 'global', ['global', 'local'] as const),
    dims: arr('dims', [512]).map((v) => positiveInt(`${where}: dims`, v)),
    chunks: arr('chunks', [1024]).map((v) => positiveInt(`${where}: chunks`, v)),
    warmup: int('warmup', 1, 0),
    samples: int('samples', 5, 1),
    timeBudgetMs: int('timeBudgetMs', 500, 1),
  };
}

/** Strategy names as flags and configs take them: bare ("ring") or qualified by loss ("clip/ring"). */
const strategyNames = () => {
  const byLoss = LOSSES.map((loss) => [loss, [...STRATEGIES[loss], ...thirdPartyNames(loss)]] as const);
  return [
    ...new Set(byLoss.flatMap(([, names]) => names)),
    ...byLoss.flatMap(([loss, names]) => names.map((s) => `${loss}/${s}`)),
  ];
};

export function presetSweeps(name: string): SweepAxes[] {
  const p = PRESETS[name];
  if (!p)
    throw new UsageError(`preset: expected one of ${Object.keys(PRESETS).join(', ')}, got ${JSON.stringify(name)}`);
  return p.sweeps.map((s) => ({ ...s }));
}

/** Flags override the preset's (or config's) axes: `--batch` etc. replace that axis in every sweep. */
export function sweepsFromFlags(f: SweepFlags, defaultPreset: string): SweepAxes[] {
  const custom =
    f.loss || f.impl || f.strategy || f.batch || f.globalBatch || f.localBatch || f.world || f.dim || f.chunk;
  let sweeps: SweepAxes[];
  if (f.config && f.preset)
    throw new UsageError(
      'preset: give --preset or --config, not both (a config file can name a preset: {"preset": …})',
    );
  if (f.config) sweeps = loadConfig(f.config);
  else if (f.preset || !custom) sweeps = presetSweeps(f.preset ?? defaultPreset);
  else sweeps = [{ ...presetSweeps('quick')[0]!, strategies: ['single'] }];
  const given = [f.batch, f.globalBatch, f.localBatch].filter(Boolean).length;
  if (given > 1) throw new UsageError('batch: give one of --batch, --global-batch, --local-batch');
  if (custom && !f.config && !f.preset && f.world && !f.strategy)
    throw new UsageError('strategy: --world needs --strategy (single runs on one device)');
  return sweeps.map((s) => {
    const out = { ...s };
    if (f.loss) out.losses = parseList('loss', f.loss, LOSSES) as LossName[];
    if (f.impl) out.impls = f.impl.split(',').map((s) => implOf('impl', s.trim()));
    if (f.strategy) out.strategies = f.strategy.split(',').map((x) => oneOf('strategy', x.trim(), strategyNames()));
    if (f.batch || f.globalBatch) {
      out.batches = parseSizes(f.batch ? 'batch' : 'global-batch', (f.batch ?? f.globalBatch)!);
      out.batchIs = 'global';
    }
    if (f.localBatch) {
      out.batches = parseSizes('local-batch', f.localBatch);
      out.batchIs = 'local';
    }
    if (f.world) out.worlds = parseSizes('world', f.world);
    if (f.dim) out.dims = parseSizes('dim', f.dim);
    if (f.chunk) out.chunks = parseSizes('chunk', f.chunk);
    if (f.warmup !== undefined) out.warmup = nonNegativeInt('warmup', f.warmup);
    if (f.samples !== undefined) out.samples = positiveInt('samples', f.samples);
    if (f.sampleTimeMs !== undefined) out.timeBudgetMs = positiveInt('sample-time-ms', f.sampleTimeMs);
    return out;
  });
}

const LOSS_NAME: Record<LossName, string> = { clip: 'CLIP', siglip: 'SigLIP' };

/** Every strategy given applies to some loss of the sweep: one that none has is refused, naming whose it is. */
function checkStrategies(s: SweepAxes): void {
  for (const entry of s.strategies) {
    const [only, name] = entry.includes('/') ? (entry.split('/') as [string, string]) : [null, entry];
    const has = (l: LossName) => hasStrategy(l, name) || thirdPartyStrategy(l, name) !== undefined;
    const losses = s.losses.filter((l) => (only === null || only === l) && has(l));
    if (losses.length) continue;
    const owners = LOSSES.filter((l) => (only === null || only === l) && has(l));
    const whose = owners.map((l) => `${LOSS_NAME[l]}'s`).join(' and ');
    const theirs = s.losses.map((l) => `${LOSS_NAME[l]}'s are ${STRATEGIES[l].join(', ')}`).join('; ');
    throw new UsageError(
      `strategy: ${entry} is ${whose} strategy, and this sweep's losses are ${s.losses.join(', ')}: ${theirs}`,
    );
  }
}

export function buildScenarios(f: SweepFlags, defaultPreset: string): ScenarioSpec[] {
  const dropped: string[] = [];
  const sweeps = sweepsFromFlags(f, defaultPreset);
  sweeps.forEach(checkStrategies);
  const specs = dedupe(sweeps.flatMap((s) => expand(s, f.link, 1, dropped)));
  // N = W·b needs N a multiple of each W: a W that N does not divide is refused, never dropped unsaid.
  if (dropped.length)
    throw new UsageError(
      `${dropped[0]}: a global batch is split evenly over W devices; give N a multiple of every W, ` +
        'or --local-batch b (N = W·b)',
    );
  if (specs.length === 0)
    throw new UsageError('no scenarios: the losses, strategies and batch sizes given select nothing');
  return specs;
}
