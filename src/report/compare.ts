// `lossbench compare <dirs...>`: runs from different machines/backends side by side — one CSV with a
// `run` column, step time and peak memory per scenario with ratios against the first run, overlaid charts.
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { UsageError } from '../util/errors.js';
import { checkOutputFolder, writeOutput, writingInto } from '../util/output.js';
import { RESULT_COLUMNS } from '../results/row.js';
import { buildCharts } from './charts.js';
import { toCsv } from '../results/csv.js';
import { toHtml, toMarkdown, type Block } from './doc.js';
import { formatBytes, formatMs, formatRatio } from '../util/format.js';
import { loadRun, runName, shortRunName, type LoadedRun } from '../results/load.js';
import { distinct, isOk, type Row } from './series.js';
import { MODELLED_NOTE } from './tables.js';
import { writeCharts } from './write-charts.js';

export interface CompareOptions {
  /** Output folder; default results/compare-<timestamp>. */
  out?: string;
  /** Compare even when settings do not match (different D, different c, no common scenario). */
  force?: boolean;
}

export interface CompareSummary {
  out: string;
  runs: string[];
  files: { csv: string; markdown: string; html: string; charts: string[] };
  /** Scenario keys present in every run. */
  common: number;
  /** Mismatches found (empty when the settings match); with --force they are listed in compare.md. */
  mismatches: string[];
  /** What a reader should know about the runs read, e.g. a torn last line that was left out. */
  warnings: string[];
}

/** Scenario key without D and c, so settings can be compared for "the same scenario". */
const looseKey = (r: Row) => `${r.loss}/${r.impl}/${r.strategy}/N${r.n}/W${r.world}`;

export function findMismatches(runs: readonly { name: string; rows: readonly Row[] }[]): string[] {
  const out: string[] = [];
  const first = runs[0]!;
  const dims = (rows: readonly Row[]) =>
    distinct(rows.map((r) => r.dim))
      .sort((a, b) => a - b)
      .join(',');
  for (const r of runs.slice(1)) {
    if (dims(r.rows) !== dims(first.rows))
      out.push(`different D: ${first.name} has D=${dims(first.rows)}, ${r.name} has D=${dims(r.rows)}`);
    const chunkOf = new Map(first.rows.map((x) => [looseKey(x), x.chunk]));
    const diff = r.rows.find((x) => chunkOf.has(looseKey(x)) && chunkOf.get(looseKey(x)) !== x.chunk);
    if (diff)
      out.push(
        `different c for ${looseKey(diff)}: ${first.name} c=${chunkOf.get(looseKey(diff))}, ${r.name} c=${diff.chunk}`,
      );
  }
  const ids = runs.map((r) => new Set(r.rows.map((x) => x.id)));
  const common = [...ids[0]!].filter((id) => ids.every((s) => s.has(id)));
  if (!common.length) out.push('no scenario id is common to all runs');
  return out;
}

function uniqueNames(runs: LoadedRun[], nameOf: (r: LoadedRun) => string): string[] {
  const names = runs.map(nameOf);
  return names.map((n, i) => (names.filter((m) => m === n).length > 1 ? `${n} (${basename(runs[i]!.dir)})` : n));
}

function cell(
  r: Row | undefined,
  f: (r: Row) => number | null,
  fmt: (v: number) => string,
  ref: number | null,
): string {
  if (!r) return '—';
  if (!isOk(r)) return r.status;
  const v = f(r);
  if (v === null) return '—';
  return ref !== null && ref > 0 ? `${fmt(v)} (${formatRatio(v / ref)})` : fmt(v);
}

function sideBySide(
  names: string[],
  byRun: Map<string, Row>[],
  keys: string[],
  f: (r: Row) => number | null,
  fmt: (v: number) => string,
): Block {
  const rows = keys.map((k) => {
    const first = byRun[0]!.get(k);
    const ref = first && isOk(first) ? f(first) : null;
    return [k, ...byRun.map((m, i) => (i === 0 ? cell(m.get(k), f, fmt, null) : cell(m.get(k), f, fmt, ref)))];
  });
  return {
    kind: 'table',
    head: ['scenario', ...names.map((n, i) => (i === 0 ? `${n} (reference)` : `${n} (ratio vs reference)`))],
    rows,
    numeric: [false, ...names.map(() => true)],
  };
}

function timestamp(): string {
  return new Date().toISOString().replace(/[:.]/g, '-').replace(/Z$/, '');
}

export async function compareRuns(dirs: readonly string[], opts: CompareOptions = {}): Promise<CompareSummary> {
  if (dirs.length < 2) throw new UsageError('compare needs at least two results folders');
  const runs = dirs.map(loadRun);
  const empty = runs.find((r) => r.rows.length === 0);
  if (empty)
    throw new UsageError(
      `${empty.dir} has no scenario in results.jsonl (an empty run): nothing to compare; run its sweep or leave it out`,
    );
  const names = uniqueNames(runs, runName);
  const short = uniqueNames(runs, shortRunName);
  const named = runs.map((r, i) => ({ name: names[i]!, rows: r.rows.map((x) => ({ ...x, run: names[i]! })) as Row[] }));
  const mismatches = findMismatches(named);
  if (mismatches.length && !opts.force)
    throw new UsageError(`runs do not match (${mismatches.join('; ')}); use --force to compare anyway`);

  const out = opts.out ?? join('results', `compare-${timestamp()}`);
  if (existsSync(out) && !opts.out) throw new UsageError(`output folder exists: ${out}`);
  checkOutputFolder('out', out);
  const wayOn = 'free space or fix the folder, then compare again';

  // Match on the full id when the runs share ids; with --force across different D/c, on the loose key.
  const sharedIds = mismatches.length === 0;
  const key = (r: Row) => (sharedIds ? r.id : looseKey(r));
  const byRun = named.map((r) => new Map(r.rows.map((x) => [key(x), x])));
  const keys = distinct(named.flatMap((r) => r.rows.map(key)));
  const sample = new Map(named.flatMap((r) => r.rows.map((x) => [key(x), x] as const)));
  keys.sort((a, b) => {
    const x = sample.get(a)!;
    const y = sample.get(b)!;
    return (
      x.loss.localeCompare(y.loss) ||
      x.impl.localeCompare(y.impl) ||
      x.strategy.localeCompare(y.strategy) ||
      x.world - y.world ||
      x.n - y.n
    );
  });
  const common = keys.filter((k) => byRun.every((m) => m.has(k))).length;

  const all = named.flatMap((r) => r.rows);
  const csv = join(out, 'combined.csv');
  writeOutput(csv, toCsv(all, ['run', ...RESULT_COLUMNS] as (keyof Row & string)[]), wayOn);
  // Legends name machines by the short name (backend@host); the tables and CSV by the full one.
  const chartRows = named.flatMap((r, i) => r.rows.map((x) => ({ ...x, run: short[i]! })));
  const charts = writingInto(join(out, 'charts'), wayOn, () =>
    writeCharts(out, buildCharts(chartRows, { colourBy: 'run' })),
  );

  const blocks: Block[] = [
    { kind: 'h', level: 1, text: 'lossbench compare' },
    {
      kind: 'list',
      items: runs.map(
        (r, i) =>
          `${names[i]}: \`${r.dir}\` (${r.rows.length} scenarios, ${r.rows.filter(isOk).length} ok; ${r.info?.host?.cpu_model ?? 'cpu unknown'})`,
      ),
    },
  ];
  if (runs.some((r) => r.warnings.length))
    blocks.push({ kind: 'list', items: runs.flatMap((r) => r.warnings.map((w) => `Warning: ${w}`)) });
  if (mismatches.length)
    blocks.push({
      kind: 'p',
      text: `**Compared with --force although the settings differ**: ${mismatches.join('; ')}. Scenarios are matched on loss/impl/strategy/N/W.`,
    });
  blocks.push(
    {
      kind: 'p',
      text: `${common} scenario(s) present in every run. Ratios are against the first run (the reference): above 1× means slower or larger. Status is shown where a scenario did not run ok. Communication time is not compared here (${all.some((r) => r.comm_ms_measured !== null) ? 'tfjs models it, torch measures it: comm_ms_modelled and comm_ms_measured in combined.csv' : MODELLED_NOTE}).`,
    },
    { kind: 'h', level: 2, text: 'Step time (median)' },
    sideBySide(names, byRun, keys, (r) => r.step_ms_median, formatMs),
    { kind: 'h', level: 2, text: 'Peak tensor memory' },
    sideBySide(names, byRun, keys, (r) => r.peak_tensor_bytes, formatBytes),
    { kind: 'h', level: 2, text: 'Charts' },
    {
      kind: 'p',
      text: 'One colour per machine, one dash pattern per impl (solid naive, dashed chunked), one marker per loss (circle CLIP, triangle SigLIP).',
    },
    ...charts.map((c): Block => ({
      kind: 'image',
      alt: c.spec.title,
      relPath: `charts/${c.spec.name}.png`,
      png: c.png,
    })),
    { kind: 'p', text: `All rows of all runs, with a \`run\` column: \`combined.csv\`.` },
  );
  const markdown = join(out, 'compare.md');
  const html = join(out, 'compare.html');
  writeOutput(markdown, toMarkdown(blocks), wayOn);
  writeOutput(html, toHtml('lossbench compare', blocks), wayOn);
  return {
    out,
    runs: names,
    files: { csv, markdown, html, charts: charts.flatMap((c) => [c.pngPath, c.svgPath]) },
    common,
    mismatches,
    warnings: runs.flatMap((r) => r.warnings),
  };
}
