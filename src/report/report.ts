// `lossbench report <dir>`: charts, checks, findings, report.md and report.html for one results folder.
import { join } from 'node:path';
import {
  CHECK_RULE,
  regressionChecks,
  scalingChecks,
  type RegressionCheck,
  type RegressionOptions,
  type ScalingCheck,
} from './checks.js';
import { buildCharts } from './charts.js';
import { toHtml, toMarkdown, type Block } from './doc.js';
import { findings as makeFindings, type Finding } from './findings.js';
import { answers as makeAnswers, type Answer } from './answers/index.js';
import { refereeBlocks } from './referee.js';
import { formatBytes } from '../util/format.js';
import { engineLabel, loadRun, runName, type LoadedRun } from '../results/load.js';
import { UsageError } from '../util/errors.js';
import { checkOutputFolder, writeOutput, writingInto } from '../util/output.js';
import { distinct, isOk } from './series.js';
import {
  CHECK_HEAD,
  checkRow,
  MODELLED_NOTE,
  REGRESSION_HEAD,
  regressionRow,
  RESULT_HEAD,
  RESULT_NUMERIC,
  resultRow,
  simulated,
  SIMULATED_TIME_NOTE,
} from './tables.js';
import { writeCharts } from './write-charts.js';
import { wireBlocks } from './wire.js';
import { writeLatex } from './write-latex.js';

export interface ReportOptions extends RegressionOptions {
  /** An earlier results folder to check step time and peak memory against. */
  baseline?: string;
  /** Also write <dir>/latex/: booktabs tables and one-column vector PDF charts for a paper. */
  latex?: boolean;
}

export interface ReportSummary {
  dir: string;
  /** The run's short name: device · backend · host. */
  runName: string;
  files: { markdown: string; html: string; charts: string[]; latex: string[] };
  rows: number;
  okRows: number;
  checks: ScalingCheck[];
  regressions: RegressionCheck[];
  findings: Finding[];
  /** The few questions people bring, answered from this run (answers.ts). */
  answers: Answer[];
  warnings: string[];
  /** Scaling checks that FAILed. */
  failedChecks: number;
  /** Regression checks that FAILed. */
  failedRegressions: number;
}

function hardware(run: LoadedRun): string[] {
  const i = run.info;
  if (!i) return ['run.json missing: hardware unknown'];
  const gpus = i.gpus?.length
    ? i.gpus
        .map(
          (g) =>
            `${g.name}${g.memory_total_bytes ? ` (${formatBytes(g.memory_total_bytes)})` : ''}${g.driver ? `, driver ${g.driver}` : ''}`,
        )
        .join('; ')
    : 'none reported';
  return [
    `device: ${i.device_name}`,
    `backend: ${i.backend}${i.backend_notes?.length ? ` (${i.backend_notes.join('; ')})` : ''}`,
    ...(i.torch
      ? [
          `engine: torch ${i.torch.info.torch_version} (${i.torch.python_path}, Python ${i.torch.info.python_version}), device ${i.torch.device}, dtype ${i.torch.dtype}; CUDA ${i.torch.info.cuda_version ?? 'none'}, NCCL ${i.torch.info.nccl_version ?? 'none'}`,
        ]
      : []),
    ...(i.link_probe
      ? [
          `link probe: ${i.link_probe.backend}, W = ${i.link_probe.world}: ${i.link_probe.results.map((r) => `${r.op} ${formatBytes(r.bytes)} ${r.time_us.toFixed(0)} µs (busbw ${r.busbw_GBps.toPrecision(3)} GB/s)`).join('; ')}`,
        ]
      : []),
    `host: ${i.host?.hostname} — ${i.host?.cpu_model}, ${i.host?.cpu_cores} cores, ${formatBytes(i.host?.ram_bytes)} RAM, ${i.host?.os}`,
    `GPUs: ${gpus}`,
    ...(i.webgpu_adapter
      ? [
          `WebGPU adapter: ${i.webgpu_adapter.vendor} ${i.webgpu_adapter.architecture} ${i.webgpu_adapter.description}`.trim(),
        ]
      : []),
    `node ${i.node_version}, tfjs ${i.tfjs_version}, lossbench ${i.lossbench_version}${i.git_revision ? ` (git ${i.git_revision})` : ''}`,
    `run created ${i.created_at}`,
  ];
}

/** The link named in run.json: a Link, or a preset's name (older runs). */
const linkName = (l: { name: string } | string | undefined) =>
  l === undefined ? '—' : typeof l === 'string' ? l : l.name;

function settings(run: LoadedRun): string[] {
  const rows = run.rows;
  const list = (f: (r: (typeof rows)[number]) => unknown) => distinct(rows.map(f)).map(String).join(', ') || '—';
  const statuses = distinct(rows.map((r) => r.status))
    .map((s) => `${s} ${rows.filter((r) => r.status === s).length}`)
    .join(', ');
  return [
    `preset: ${run.info?.config?.preset ?? '—'}; link for modelled communication: ${linkName(run.info?.config?.link)}`,
    `losses: ${list((r) => r.loss)}; impls: ${list((r) => r.impl)}; strategies: ${list((r) => r.strategy)}`,
    `N: ${list((r) => r.n)}; W: ${list((r) => r.world)}; D: ${list((r) => r.dim)}; ` +
      `c: ${distinct(rows.filter((r) => r.impl !== 'naive').map((r) => r.chunk)).join(', ') || '—'} (chunked only)`,
    `scenarios recorded: ${rows.length} (${statuses || 'none'})`,
  ];
}

/** The Answers section: each question, its answer, what it rests on and where to look. */
function answerBlocks(answers: readonly Answer[]): Block[] {
  const blocks: Block[] = [
    { kind: 'h', level: 2, text: 'Answers' },
    {
      kind: 'p',
      text: 'The questions a sweep is run for, answered from this run; the tables and charts below hold every number.',
    },
  ];
  for (const a of answers) {
    const see = a.see.map((x) => (x.startsWith('charts/') ? `\`${x}\`` : x)).join(', ');
    blocks.push(
      { kind: 'h', level: 3, text: a.question },
      { kind: 'p', text: a.answer },
      ...(a.settle ? [{ kind: 'p' as const, text: `**To settle it:** \`${a.settle}\`` }] : []),
      { kind: 'p', text: `**Rests on:** ${a.basis.length ? a.basis.join('; ') : 'no scenario'}. **See:** ${see}.` },
    );
  }
  return blocks;
}

/**
 * A regression check sets a run against a baseline measured the same way: another engine, backend or
 * dtype measures different things under the same scenario ids (compare sets such runs side by side).
 */
function sameMeasurement(run: LoadedRun, baseline: LoadedRun): void {
  const [mine, theirs] = [engineLabel(run), engineLabel(baseline)];
  if (mine !== theirs)
    throw new UsageError(
      `baseline: ${baseline.dir} was measured with ${theirs} and ${run.dir} with ${mine}; a regression check ` +
        'needs a baseline of the same engine, backend and dtype (lossbench compare sets different ones side by side)',
    );
}

export async function writeReport(dir: string, opts: ReportOptions = {}): Promise<ReportSummary> {
  const run = loadRun(dir);
  // The folder is written into (report.md, charts/, latex/): checked before any work.
  const wayOn = `free space or fix the folder, then run lossbench report ${dir} again`;
  checkOutputFolder('report', dir, 'copy the folder somewhere writable and report there');
  if (opts.latex) checkOutputFolder('latex', join(dir, 'latex'), 'copy the folder somewhere writable and report there');
  const rows = run.rows;
  const baseline = opts.baseline ? loadRun(opts.baseline) : null;
  if (baseline) sameMeasurement(run, baseline);
  const checks = scalingChecks(rows);
  const regressions = baseline ? regressionChecks(rows, baseline.rows, opts) : [];
  const found = makeFindings(rows);
  const answered = makeAnswers(rows, run.info);
  const okRows = rows.filter(isOk).length;
  const specs = okRows || rows.length ? buildCharts(rows) : [];
  const charts = specs.length ? writingInto(join(dir, 'charts'), wayOn, () => writeCharts(dir, specs)) : [];

  const blocks: Block[] = [
    { kind: 'h', level: 1, text: `lossbench report — ${runName(run)}` },
    ...answerBlocks(answered),
    ...refereeBlocks(rows),
    { kind: 'h', level: 2, text: 'Hardware' },
    { kind: 'list', items: hardware(run) },
    { kind: 'h', level: 2, text: 'Settings' },
    { kind: 'list', items: settings(run) },
  ];
  if (run.warnings.length)
    blocks.push({ kind: 'h', level: 2, text: 'Warnings' }, { kind: 'list', items: run.warnings });
  if (!okRows)
    blocks.push({
      kind: 'p',
      text: `**Nothing ran ok**: ${rows.length} scenario(s) recorded, none with status ok. There is nothing to measure or check.`,
    });
  blocks.push(
    { kind: 'h', level: 2, text: 'Results' },
    {
      kind: 'p',
      text: `Memory is per device (the busiest one for distributed strategies). Step time is forward + backward. Note: ${MODELLED_NOTE}. ${rows.some(simulated) ? `${SIMULATED_TIME_NOTE}.` : ''}`.trim(),
    },
    { kind: 'table', head: RESULT_HEAD, rows: rows.map(resultRow), numeric: RESULT_NUMERIC },
    ...wireBlocks(run.info, rows, dir),
  );
  if (charts.length) {
    blocks.push({ kind: 'h', level: 2, text: 'Charts' });
    for (const c of charts)
      blocks.push({ kind: 'image', alt: c.spec.title, relPath: `charts/${c.spec.name}.png`, png: c.png });
    blocks.push({ kind: 'p', text: `Each chart is also in \`charts/\` as SVG.` });
  }
  blocks.push({ kind: 'h', level: 2, text: 'Scaling checks' }, { kind: 'p', text: CHECK_RULE });
  blocks.push(
    checks.length
      ? { kind: 'table', head: CHECK_HEAD, rows: checks.map(checkRow) }
      : { kind: 'p', text: 'No series to check.' },
  );
  if (baseline) {
    blocks.push(
      { kind: 'h', level: 2, text: 'Regression against baseline' },
      {
        kind: 'p',
        text: `Baseline: ${baseline.dir} (${runName(baseline)}). Scenarios with the same id that ran ok in the baseline are compared; a ratio above the limit fails, and so does a scenario that no longer runs ok (metric status).`,
      },
      regressions.length
        ? { kind: 'table', head: REGRESSION_HEAD, rows: regressions.map(regressionRow) }
        : { kind: 'p', text: 'No scenario id that ran ok in the baseline is in this run.' },
    );
  }
  blocks.push({ kind: 'h', level: 2, text: 'Findings' });
  blocks.push(
    found.length ? { kind: 'list', items: found.map((f) => f.text) } : { kind: 'p', text: 'No findings: nothing ran.' },
  );

  const markdown = join(dir, 'report.md');
  const html = join(dir, 'report.html');
  writeOutput(markdown, toMarkdown(blocks), wayOn);
  writeOutput(html, toHtml(`lossbench report — ${runName(run)}`, blocks), wayOn);
  const latex = opts.latex
    ? writingInto(join(dir, 'latex'), wayOn, () =>
        writeLatex(dir, { runName: runName(run), rows, checks, answers: answered, charts: specs }),
      )
    : [];
  return {
    dir,
    runName: runName(run),
    files: { markdown, html, charts: charts.flatMap((c) => [c.pngPath, c.svgPath]), latex },
    rows: rows.length,
    okRows,
    checks,
    regressions,
    findings: found,
    answers: answered,
    warnings: [
      ...run.warnings,
      ...(baseline?.warnings ?? []).map((w) => `baseline: ${w}`),
      ...(baseline && !regressions.length
        ? [`baseline ${baseline.dir}: nothing compared (no common scenario ok)`]
        : []),
      ...answered.filter((a) => a.data.error !== undefined).map((a) => `answer not worked out: ${a.question}`),
    ],
    failedChecks: checks.filter((c) => c.verdict === 'FAIL').length,
    failedRegressions: regressions.filter((r) => r.verdict === 'FAIL').length,
  };
}
