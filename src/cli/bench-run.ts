// `lossbench bench`: pick the backend, build the sweep, make (or resume) the results folder, run.
import { existsSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import cliProgress from 'cli-progress';
import { UsageError } from '../util/errors.js';
import { checkOutputFolder } from '../util/output.js';
import { selectBackend, type BackendReady } from '../engine/backend.js';
import { linkProbe, projectPython, selectTorch, type LinkProbe } from '../engine/torch.js';
import { selectAuto } from '../engine/auto.js';
import { fingerprint } from '../probes/system.js';
import type { BenchOptions } from './bench.js';
import { buildScenarios, configEngine } from '../harness/grid.js';
import { chooseEngine } from './engine-options.js';
import { readResults, readRunInfo, startRunFolder, writeCsv } from '../results/store.js';
import { lockFolder } from '../results/lock.js';
import type { RunInfo } from '../results/run-info.js';
import { isTorch, killCurrentChild, runSweep, type EngineTarget } from '../harness/runner.js';
import { checkWorld } from '../harness/world-check.js';
import { positiveInt, positiveNumber } from '../util/validate.js';
import { scenarioId, validateSpec, type ScenarioSpec } from '../harness/spec.js';
import { summaryTable } from '../report/summary.js';
import { costOf } from '../model/predict.js';
import { resolveLink, type Link } from '../model/comm.js';
import type { ScenarioResult } from '../results/row.js';
import { checkWorlds, resolveNodes, type NodeLayout } from '../harness/nodes.js';
import { endSweepAcross, followSweep, nodesInfo, sweepOrder } from './bench-nodes.js';

const stamp = (d: Date) => d.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
const slug = (s: string) =>
  s
    .replace(/[^A-Za-z0-9.-]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 40);

/**
 * The link of the modelled communication time: a preset, or with --link-gbps/--link-latency-us a custom
 * link (either flag alone keeps the preset's other value); the specs carry it as it is.
 */
function linkOf(o: BenchOptions): Link {
  const gbps = o.linkGbps === undefined ? undefined : positiveNumber('link-gbps', o.linkGbps);
  const us = o.linkLatencyUs === undefined ? undefined : Number(o.linkLatencyUs);
  if (us !== undefined && !(Number.isFinite(us) && us >= 0))
    throw new UsageError(`link-latency-us: expected a non-negative number, got ${JSON.stringify(o.linkLatencyUs)}`);
  return gbps === undefined && us === undefined ? resolveLink(o.link) : resolveLink(o.link, { gbps, latencyUs: us });
}

function isGpu(b: EngineTarget): boolean {
  return b.name === 'webgpu' || b.name === 'cuda' || (b.name === 'tensorflow' && /CUDA/.test(b.deviceName));
}

/** Flags that shape a new sweep: a resumed sweep takes all of them from its run.json. */
const SWEEP_FLAGS = [
  'preset',
  'config',
  'loss',
  'impl',
  'strategy',
  'batch',
  'globalBatch',
  'localBatch',
  'world',
  'dim',
  'chunk',
  'warmup',
  'samples',
  'sampleTimeMs',
  'linkGbps',
  'linkLatencyUs',
  'engine',
  'device',
  'dtype',
  'overlap',
] as const;

/**
 * The engine of a resumed run, as its run.json recorded it. The Python is the one chosen now (--python,
 * then LOSSBENCH_PYTHON) where one is, else the recorded one: a run outlives the Python it started with.
 */
async function targetOfRun(info: RunInfo, pythonFlag: string | undefined): Promise<EngineTarget> {
  if (info.engine !== 'torch') {
    if (pythonFlag !== undefined)
      throw new UsageError(`resume: --python is for torch runs; this one is ${info.engine}`);
    return selectBackend(info.backend as BackendReady['name']);
  }
  if (!info.torch) throw new UsageError('resume: run.json names engine torch but has no "torch" settings');
  const recorded = info.torch.python_path || info.torch.python;
  const chosen = pythonFlag ?? (process.env.LOSSBENCH_PYTHON || undefined);
  let target;
  try {
    target = await selectTorch({
      python: chosen ?? recorded,
      device: info.torch.device,
      dtype: info.torch.dtype,
      overlap: info.torch.overlap ?? false,
    });
  } catch (err) {
    if (chosen !== undefined || !(err instanceof UsageError)) throw err;
    const why = err.message
      .replace(/^engine torch is not available: /, '')
      .replace(/(: give|, or give) --python.*$/, '');
    const venv = existsSync(projectPython()) ? `, e.g. --python ${projectPython()}` : '';
    throw new UsageError(
      `resume: the Python this run recorded cannot serve it (${why}); resume with --python <a Python with torch> or LOSSBENCH_PYTHON=<it>${venv}`,
    );
  }
  if (chosen !== undefined && target.pythonPath !== recorded) {
    const was = info.torch.info?.torch_version;
    const now = target.info.torch_version;
    target.notes.push(
      `resumed with ${target.pythonPath} (torch ${now}) instead of the recorded ${recorded}${was && was !== now ? ` (torch ${was}): rows of two torch versions in one run` : ''}`,
    );
  }
  return target;
}

/**
 * The link between torch ranks, measured once before a sweep with W > 1 (largest W, each block size
 * 4·b·D the sweep sends, plus the smallest message, 4·W bytes, and 4 MiB: the points that pin down the
 * latency α and bandwidth β a fit needs); a probe that fails is a note, not a stop.
 */
async function probeLink(
  target: EngineTarget,
  specs: ScenarioSpec[],
  timeoutMs: number,
  log: (s: string) => void,
  nodes: NodeLayout | null,
): Promise<LinkProbe | undefined> {
  const dist = specs.filter((s) => s.world > 1);
  if (!isTorch(target) || dist.length === 0) return undefined;
  const world = Math.max(...dist.map((s) => s.world));
  const bytes = [...new Set([4 * world, ...dist.map((s) => 4 * s.localBatch * s.dim), 4 * 2 ** 20])].sort(
    (a, b) => a - b,
  );
  const across = nodes ? ` across ${nodes.nnodes} nodes` : '';
  log(`measuring the link: lossbench_torch linkprobe --world ${world}${across} (${bytes.length} block sizes)`);
  try {
    // Within --timeout, as any scenario: W ranks starting is the slow part, and the probe is one more W.
    return await linkProbe(target.python, { world, device: target.name, bytes, nodes: nodes ?? undefined }, timeoutMs);
  } catch (err) {
    target.notes.push(`link probe failed: ${(err as Error).message}`);
    return undefined;
  }
}

/** The torch engine's environment settings, checked before a folder is made (each worker reads them). */
function checkTorchEnv(target: EngineTarget): void {
  const timeout = process.env.LOSSBENCH_DIST_TIMEOUT_S;
  if (isTorch(target) && timeout !== undefined && timeout.trim() !== '')
    positiveNumber('LOSSBENCH_DIST_TIMEOUT_S (seconds)', timeout);
}

export async function runBench(o: BenchOptions): Promise<number> {
  const memoryLimitBytes =
    o.memoryLimit === undefined ? null : Math.floor(positiveNumber('memory-limit', o.memoryLimit) * 2 ** 30);
  const timeBudgetMs = o.timeBudget === undefined ? null : positiveNumber('time-budget', o.timeBudget) * 60_000;

  let dir: string;
  let specs: ScenarioSpec[];
  let info: RunInfo;
  let backend: EngineTarget;
  let timeoutMs: number;
  let nodes: NodeLayout | null;
  if (o.resume) {
    const given: string[] = [
      ...SWEEP_FLAGS.filter((k) => o[k] !== undefined),
      ...(o.backend !== 'auto' ? ['backend'] : []),
      ...(o.link !== 'nvlink4' ? ['link'] : []),
      ...(o.out !== 'results' ? ['out'] : []), // a resumed sweep writes into its own folder
    ];
    if (given.length)
      throw new UsageError(
        `resume: the sweep, backend and link come from run.json; drop ${given.map((k) => `--${k.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())}`).join(', ')}`,
      );
    nodes = resolveNodes(o);
    if (nodes && nodes.nodeRank > 0)
      throw new UsageError(
        `resume: node ${nodes.nodeRank} has no results folder; give it the same sweep flags as node 0's first run`,
      );
    dir = o.resume;
    info = readRunInfo(dir);
    checkOutputFolder('resume', dir, 'free space or fix the folder, then resume again');
    timeoutMs = o.timeout === undefined ? info.config.timeout_ms : positiveInt('timeout', o.timeout) * 1000;
    specs = info.config.scenarios.map(validateSpec);
    if (timeBudgetMs !== null) specs = cheapestFirst(specs);
    backend = await targetOfRun(info, o.python);
    checkTorchEnv(backend);
    if (nodes && !isTorch(backend)) throw new UsageError('nnodes: across nodes needs --engine torch');
    if (nodes)
      checkWorlds(
        specs.map((s) => s.world),
        nodes,
      );
    // what is left to run decides (a finished sweep starts no rank)
    const finished = new Set(readResults(dir, true).map((r) => r.id));
    const left = specs.filter((s) => !finished.has(scenarioId(s)));
    for (const w of checkWorld(left, backend, !!o.force, nodes?.nnodes)) console.error(`lossbench: warning: ${w}`);
  } else {
    timeoutMs = positiveInt('timeout', o.timeout ?? '600') * 1000;
    const link = linkOf(o);
    // Check every flag before probing backends (which is slow and noisy), with the CPU default preset;
    // the real default preset depends on the backend found.
    const flags = { ...o, link };
    buildScenarios(flags, 'quick');
    const chosen = chooseEngine(
      { ...o, backend: o.backend === 'auto' ? undefined : o.backend },
      o.config ? configEngine(o.config) : {},
      'auto',
    );
    // across nodes is torch's: --nnodes decides an automatic choice
    const choice =
      chosen.engine === 'auto' && o.nnodes !== undefined ? { ...chosen, engine: 'torch' as const } : chosen;
    // A launcher's environment counts for torch only; tfjs refuses the flags.
    nodes = resolveNodes(o, choice.engine === 'torch' ? process.env : {});
    if (nodes && choice.engine !== 'torch') throw new UsageError('nnodes: across nodes needs --engine torch');
    const follower = !!nodes && nodes.nodeRank > 0;
    // Here, before the slow backend probe: an --out that cannot be made or written fails at once (node 0 only: the
    // other nodes write nothing).
    if (!follower) checkOutputFolder('out', o.out);
    if (choice.engine === 'auto') {
      const auto = await selectAuto(choice);
      console.error(auto.why); // the first line: which engine and device, and why
      backend = auto.target;
    } else backend = choice.engine === 'torch' ? await selectTorch(choice) : await selectBackend(o.backend as never);
    checkTorchEnv(backend);
    specs = buildScenarios(flags, isGpu(backend) ? 'paper' : isTorch(backend) ? 'quick-torch' : 'quick');
    if (nodes)
      checkWorlds(
        specs.map((s) => s.world),
        nodes,
      );
    for (const w of checkWorld(specs, backend, !!o.force, nodes?.nnodes)) console.error(`lossbench: warning: ${w}`);
    if (timeBudgetMs !== null) specs = cheapestFirst(specs);
    if (follower) {
      // The link probe needs every node's ranks; node 0 records it.
      if (o.linkProbe !== false) await probeLink(backend, specs, timeoutMs, (s) => !o.json && console.error(s), nodes);
      return followSweep(specs, backend, o, nodes!, { timeoutMs, memoryLimitBytes });
    }
    const fp = await fingerprint();
    dir = join(
      o.out,
      `${stamp(new Date())}-${slug(os.hostname())}-${isTorch(backend) ? `torch-${backend.name}` : backend.name}`,
    );
    if (existsSync(dir)) throw new UsageError(`${dir} exists already`);
    const probe =
      o.linkProbe === false
        ? undefined
        : await probeLink(backend, specs, timeoutMs, (s) => !o.json && console.error(s), nodes);
    info = {
      ...fp,
      created_at: new Date().toISOString(),
      backend: backend.name,
      backend_notes: backend.notes,
      device_name: backend.deviceName,
      ...(!isTorch(backend) && backend.webgpu
        ? {
            webgpu_adapter: {
              vendor: backend.webgpu.vendor,
              architecture: backend.webgpu.architecture,
              device: backend.webgpu.device,
              description: backend.webgpu.description,
              limits: backend.webgpu.limits,
            },
          }
        : {}),
      engine: isTorch(backend) ? 'torch' : 'tfjs',
      ...(isTorch(backend)
        ? {
            torch: {
              python: backend.python,
              python_path: backend.pythonPath,
              package_path: backend.packagePath,
              device: backend.name,
              dtype: backend.dtype,
              overlap: backend.overlap,
              info: backend.info,
            },
          }
        : {}),
      ...(probe ? { link_probe: probe } : {}),
      ...(nodes ? { nodes: nodesInfo(nodes) } : {}),
      config: {
        preset: o.config
          ? null
          : (o.preset ??
            (hasCustomAxes(o) ? null : isGpu(backend) ? 'paper' : isTorch(backend) ? 'quick-torch' : 'quick')),
        link,
        scenarios: specs,
        timeout_ms: timeoutMs,
      },
    };
    startRunFolder(dir, info);
  }

  const unlock = lockFolder(dir);
  try {
    return await sweepInto(dir, specs, backend, o, { timeoutMs, memoryLimitBytes, timeBudgetMs, nodes });
  } finally {
    unlock();
  }
}

async function sweepInto(
  dir: string,
  specs: ScenarioSpec[],
  backend: EngineTarget,
  o: BenchOptions,
  limits: { timeoutMs: number; memoryLimitBytes: number | null; timeBudgetMs: number | null; nodes: NodeLayout | null },
): Promise<number> {
  const { timeoutMs, memoryLimitBytes, timeBudgetMs, nodes } = limits;
  const log = (s: string) => !o.json && console.error(s);
  for (const note of backend.notes) log(`backend ${note}`);
  const done = new Set(readResults(dir, true).map((r) => r.id));
  const todo = specs.filter((s) => !done.has(scenarioId(s)));
  log(`${dir}: ${specs.length} scenarios, ${done.size} done before, ${todo.length} to run`);

  const stop = { requested: false };
  const onSigint = () => {
    if (stop.requested) return;
    stop.requested = true;
    killCurrentChild();
  };
  process.on('SIGINT', onSigint);

  const tty = !o.json && process.stderr.isTTY;
  const bar = tty
    ? new cliProgress.SingleBar(
        { format: '{bar} {value}/{total} | ETA {eta_formatted} | {scenario}', hideCursor: true, etaBuffer: 5 },
        cliProgress.Presets.shades_classic,
      )
    : null;
  bar?.start(todo.length, 0, { scenario: '' });
  let result: { rows: ScenarioResult[]; notRun: number };
  const served = new Set<string>();
  try {
    result = await runSweep(
      todo,
      {
        dir,
        backend,
        timeoutMs,
        force: !!o.force,
        memoryLimitBytes,
        timeBudgetMs,
        nodes,
        order: sweepOrder(specs),
        onStart: (s) => bar?.update({ scenario: scenarioId(s) }),
        onServed: (s) => served.add(scenarioId(s)),
        onDone: (row, i) => {
          if (bar) bar.increment(1, { scenario: `${row.id} ${row.status}` });
          else
            log(
              `[${i + 1}/${todo.length}] ${row.id}: ${row.status}${row.step_ms_median !== null ? ` ${row.step_ms_median.toFixed(1)} ms` : ''}${row.reason ? ` (${row.reason})` : ''}`,
            );
        },
      },
      stop,
    );
  } finally {
    bar?.stop();
    process.off('SIGINT', onSigint);
  }

  if (nodes && !stop.requested) await endSweepAcross(specs, served, backend, nodes, timeoutMs, log);
  const order = new Map(specs.map((s, i) => [scenarioId(s), i]));
  const all = readResults(dir).sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
  writeCsv(dir, all);
  if (stop.requested) {
    console.error(
      `interrupted: ${all.length} of ${specs.length} scenarios are in ${dir}; resume with: lossbench bench --resume ${dir}`,
    );
    return 130;
  }
  if (result.notRun)
    console.error(
      `time budget reached: ${result.notRun} scenarios not run; resume with: lossbench bench --resume ${dir}`,
    );
  if (o.report) {
    try {
      const { writeReport } = await import('../report/index.js');
      await writeReport(dir);
      log(`report: ${join(dir, 'report.md')}, ${join(dir, 'report.html')}`);
    } catch (err) {
      console.error(`lossbench: report not written: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  if (o.json) console.log(JSON.stringify({ dir, rows: all }, null, 2));
  else console.log(`\n${summaryTable(all)}\n\nresults: ${dir} (${all.length} scenarios)`);
  return 0;
}

function hasCustomAxes(o: BenchOptions): boolean {
  return !!(o.loss || o.impl || o.strategy || o.batch || o.globalBatch || o.localBatch || o.world || o.dim || o.chunk);
}

/** --time-budget: cheapest (fewest predicted FLOPs) first, so the budget buys the most scenarios. */
function cheapestFirst(specs: ScenarioSpec[]): ScenarioSpec[] {
  return [...specs].sort((a, b) => costOf(a) - costOf(b));
}
