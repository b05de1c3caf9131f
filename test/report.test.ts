// Reports: slope fits, scaling checks, chart configs and files, compare, malformed input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadImage } from '@napi-rs/canvas';
import { UsageError } from '../src/util/errors.js';
import { fitLogLog } from '../src/report/slope.js';
import { scalingChecks, regressionChecks } from '../src/report/checks.js';
import { memoryVsNChart, timeVsNChart, buildCharts, type ChartPoint, type ChartSpec } from '../src/report/charts.js';
import { renderPng, renderSvg, SCREEN } from '../src/report/render.js';
import { writeReport } from '../src/report/index.js';
import { main } from '../src/cli.js';
import { compareRuns } from '../src/report/compare.js';
import { loadRun, parseResultsJsonl } from '../src/results/load.js';
import { formatBytes } from '../src/util/format.js';
import type { ScenarioResult } from '../src/results/row.js';
import { resultRow, type RowFields } from './helpers/result-row.js';

const FIX = join(import.meta.dirname, 'fixtures', 'report');
const tmp = () => mkdtempSync(join(tmpdir(), 'lossbench-report-'));

const row = (p: RowFields): ScenarioResult =>
  resultRow({
    chunk: 32,
    backend: 'cpu',
    step_ms_median: 1,
    step_ms_p10: 0.9,
    step_ms_p90: 1.2,
    step_samples: 10,
    ...p,
  });

const NS = [256, 512, 1024, 2048, 4096];

test('log-log fit recovers exact slopes 2 and 1', () => {
  const two = fitLogLog(NS.map((x) => ({ x, y: 3 * x * x })));
  const one = fitLogLog(NS.map((x) => ({ x, y: 7 * x })));
  assert.ok(two && Math.abs(two.slope - 2) < 1e-12);
  assert.ok(one && Math.abs(one.slope - 1) < 1e-12);
  assert.equal(fitLogLog([{ x: 1, y: 1 }]), null);
});

test('scaling check passes right data, fails a "chunked" series growing as N², n/a with too few points', () => {
  const good = [
    ...NS.map((n) => row({ loss: 'clip', impl: 'naive', n, peak_tensor_bytes: 20 * n * n })),
    ...NS.map((n) => row({ loss: 'clip', impl: 'chunked', n, peak_tensor_bytes: 4000 * n })),
  ];
  const verdicts = Object.fromEntries(scalingChecks(good).map((c) => [c.impl, c.verdict]));
  assert.deepEqual(verdicts, { naive: 'PASS', chunked: 'PASS' });
  const bad = scalingChecks(NS.map((n) => row({ loss: 'siglip', impl: 'chunked', n, peak_tensor_bytes: 16 * n * n })));
  assert.equal(bad[0]!.verdict, 'FAIL');
  assert.ok(Math.abs(bad[0]!.slope! - 2) < 1e-9);
  // chunked rule N ≥ max(4c, 2D) = 128 here; only two such points → n/a
  const few = scalingChecks(
    [64, 96, 128, 256].map((n) => row({ loss: 'clip', impl: 'chunked', n, peak_tensor_bytes: n })),
  );
  assert.equal(few[0]!.verdict, 'n/a');
  // ring at fixed b over W: flat → PASS
  const ring = scalingChecks(
    [2, 4, 8].map((w) =>
      row({
        loss: 'siglip',
        impl: 'naive',
        strategy: 'ring',
        n: 128 * w,
        world: w,
        local_batch: 128,
        peak_tensor_bytes: 1e6,
      }),
    ),
  );
  assert.ok(ring.some((c) => c.over === 'W' && c.verdict === 'PASS'));
});

test('regression check flags slower or larger scenarios', () => {
  const base = [row({ loss: 'clip', impl: 'naive', n: 256, step_ms_median: 10, peak_tensor_bytes: 100 })];
  const cur = [row({ loss: 'clip', impl: 'naive', n: 256, step_ms_median: 13, peak_tensor_bytes: 105 })];
  const r = regressionChecks(cur, base);
  assert.equal(r.find((x) => x.metric === 'step_ms_median')!.verdict, 'FAIL');
  assert.equal(r.find((x) => x.metric === 'peak_tensor_bytes')!.verdict, 'PASS');
});

/** Runs the CLI with stdout and stderr captured. */
async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const [log, error] = [console.log, console.error];
  const out: string[] = [];
  const err: string[] = [];
  console.log = (...a: unknown[]) => void out.push(a.join(' '));
  console.error = (...a: unknown[]) => void err.push(a.join(' '));
  try {
    return { code: await main(args), out: out.join('\n'), err: err.join('\n') };
  } finally {
    [console.log, console.error] = [log, error];
  }
}

test('regression check: a scenario ok in the baseline and not ok now is a FAILed status regression', () => {
  const base = [
    row({ loss: 'clip', impl: 'naive', n: 256 }),
    row({ loss: 'clip', impl: 'naive', n: 512 }),
    row({ loss: 'clip', impl: 'naive', n: 1024, status: 'oom' }),
  ];
  const cur = [
    row({ loss: 'clip', impl: 'naive', n: 256 }),
    row({
      loss: 'clip',
      impl: 'naive',
      n: 512,
      status: 'timeout',
      reason: 'over 60 s',
      step_ms_median: null,
      peak_tensor_bytes: null,
    }),
    row({ loss: 'clip', impl: 'naive', n: 1024, status: 'error' }), // not ok in the baseline either: not compared
  ];
  const r = regressionChecks(cur, base);
  const status = r.filter((x) => x.metric === 'status');
  assert.equal(status.length, 1);
  assert.equal(status[0]!.id, cur[1]!.id);
  assert.equal(status[0]!.verdict, 'FAIL');
  assert.equal(status[0]!.note, 'ok → timeout: over 60 s');
  assert.ok(r.filter((x) => x.metric !== 'status').every((x) => x.id === cur[0]!.id && x.verdict === 'PASS'));
});

test('report --baseline: a scenario that became oom fails the run (exit 1), in report.md and the terminal', async () => {
  const root = tmp();
  const [base, cur] = [join(root, 'base'), join(root, 'cur')];
  cpSync(join(FIX, 'runA'), base, { recursive: true });
  cpSync(join(FIX, 'runA'), cur, { recursive: true });
  const lines = readFileSync(join(cur, 'results.jsonl'), 'utf8').split('\n');
  const i = lines.findIndex((l) => l.includes('"status":"ok"'));
  const changed = {
    ...JSON.parse(lines[i]!),
    status: 'oom',
    reason: 'RSS over --memory-limit',
    step_ms_median: null,
    peak_tensor_bytes: null,
  };
  lines[i] = JSON.stringify(changed);
  writeFileSync(join(cur, 'results.jsonl'), lines.join('\n'));

  const s = await writeReport(cur, { baseline: base });
  const failed = s.regressions.filter((r) => r.verdict === 'FAIL');
  assert.equal(failed.length, 1);
  assert.deepEqual(
    [failed[0]!.id, failed[0]!.metric, failed[0]!.baseline, failed[0]!.current],
    // runA's rows are of an older version: a naive id loses its "/c<c>" segment when read (load.ts)
    [changed.impl === 'naive' ? changed.id.replace(/\/c\d+$/, '') : changed.id, 'status', 'ok', 'oom'],
  );
  assert.equal(s.failedRegressions, 1);
  assert.match(
    readFileSync(join(cur, 'report.md'), 'utf8'),
    /\| status \| ok \| oom \|.*FAIL \| ok → oom: RSS over --memory-limit \|/,
  );

  const res = await cli(['report', cur, '--baseline', base]);
  assert.equal(res.code, 1);
  assert.match(res.out, /1 regressed/);
  assert.match(res.out, /ok → oom/);
  assert.match(res.err, /1 regression\(s\) against/);
  // the same folder against itself: nothing regressed, exit 0
  assert.equal((await cli(['report', base, '--baseline', base])).code, 0);
});

test('report prints the torn-line warning on stderr, not in the summary', async () => {
  const dir = join(tmp(), 'runA');
  cpSync(join(FIX, 'runA'), dir, { recursive: true });
  const res = await cli(['report', dir]);
  assert.equal(res.code, 0);
  assert.match(res.err, /^warning: .*results\.jsonl line \d+: torn last line ignored/m);
  assert.doesNotMatch(res.out, /torn/);
  const json = await cli(['report', dir, '--json']);
  assert.ok(
    JSON.parse(json.out).warnings.some((w: string) => /torn last line/.test(w)),
    'stdout stays parseable JSON',
  );
  assert.match(json.err, /torn last line/);
});

const datasetsOf = (spec: ChartSpec | null) => spec!.panels.flatMap((p) => p.config.data.datasets);
const labelsOf = (spec: ChartSpec | null) => spec!.legend.map((l) => l.label);

test('chart configuration: a panel per loss, a line per impl, guides, not-run markers at the top, error bars', () => {
  const run = loadRun(join(FIX, 'runA'));
  const mem = memoryVsNChart(run.rows)!;
  assert.deepEqual(
    mem.panels.map((p) => p.title),
    ['CLIP', 'SigLIP'],
  );
  for (const p of mem.panels)
    assert.deepEqual(
      p.config.data.datasets.filter((d) => (d as { pointRadius?: number }).pointRadius === 5).map((d) => d.label),
      ['naive', 'chunked'],
    );
  const labels = labelsOf(mem);
  assert.ok(labels.includes('O(N) guide') && labels.includes('O(N²) guide'), labels.join(', '));
  const notRun = datasetsOf(mem).filter((d) => (d as { pointStyle?: string }).pointStyle === 'crossRot');
  const pts = notRun.flatMap((d) => d.data as ChartPoint[]);
  assert.deepEqual(pts.map((p) => [p.x, p.status]).sort(), [
    [8192, 'oom'],
    [8192, 'skipped'],
  ]);
  const yMax = (mem.panels[0]!.config.options as { scales: { y: { max: number } } }).scales.y.max;
  assert.ok(
    pts.every((p) => p.y === yMax),
    'marked at the top of the axis',
  );
  assert.ok(
    pts.every((p) => /^(oom|skipped): \d.* predicted$/.test(p.note ?? '')),
    `the predicted peak named: ${pts.map((p) => p.note)}`,
  );
  const opts = mem.panels[0]!.config.options as {
    scales: { x: { type: string }; y: { type: string } };
    animation: boolean;
    responsive: boolean;
  };
  assert.equal(opts.scales.x.type, 'logarithmic');
  assert.equal(opts.scales.y.type, 'logarithmic');
  assert.equal(opts.animation, false);
  assert.equal(opts.responsive, false);
  const time = timeVsNChart(run.rows)!;
  const p0 = time.panels[0]!.config.data.datasets[0]!.data[0] as ChartPoint;
  assert.ok(p0.yMin! < p0.y && p0.y < p0.yMax!, 'p10–p90 spread carried');
  assert.deepEqual(
    buildCharts(run.rows).map((c) => c.name),
    ['memory-vs-n', 'time-vs-n', 'measured-vs-predicted', 'flops-vs-n'],
  );
  assert.ok(
    buildCharts(loadRun(join(FIX, 'runB')).rows).some((c) => c.name === 'comm-vs-w'),
    'comm chart when W varies',
  );
});

test('charts render as PNG (decodable, the screen width) and SVG', async () => {
  const spec = memoryVsNChart(loadRun(join(FIX, 'runA')).rows)!;
  const png = renderPng(spec);
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const img = await loadImage(png);
  assert.equal(img.width, SCREEN.width);
  assert.ok(img.height > 300 && img.height < 1200, `height ${img.height}`);
  const svg = renderSvg(spec);
  assert.match(svg, /^(<\?xml[^>]*\?>\s*)?<svg[\s>]/);
  assert.match(svg, /<\/svg>\s*$/);
  assert.ok(svg.includes('<path'), 'svg has drawn content');
});

test('writeReport writes charts, report.md and a self-contained report.html; torn last line tolerated', async () => {
  const dir = join(tmp(), 'runA');
  cpSync(join(FIX, 'runA'), dir, { recursive: true });
  const s = await writeReport(dir);
  assert.equal(s.rows, 22);
  assert.ok(s.warnings.some((w) => /torn last line/.test(w)));
  assert.equal(s.failedChecks, 0);
  assert.ok(s.checks.length >= 4 && s.checks.every((c) => c.verdict === 'PASS'));
  for (const f of ['memory-vs-n', 'time-vs-n', 'measured-vs-predicted', 'flops-vs-n']) {
    assert.ok(existsSync(join(dir, 'charts', `${f}.png`)) && existsSync(join(dir, 'charts', `${f}.svg`)), f);
  }
  const md = readFileSync(join(dir, 'report.md'), 'utf8');
  assert.match(md, /modelled/i);
  assert.match(md, /Scaling checks/);
  assert.match(md, /SigLIP's peak memory/);
  assert.match(md, /N=8192 skipped: predicted/);
  const html = readFileSync(join(dir, 'report.html'), 'utf8');
  assert.match(html, /data:image\/png;base64,/);
  assert.doesNotMatch(html, /<(img|script|link)[^>]+(src|href)="(https?:|charts\/)/);
});

test('writeReport on a folder with zero ok rows still writes a report', async () => {
  const dir = tmp();
  writeFileSync(
    join(dir, 'results.jsonl'),
    JSON.stringify(
      row({
        loss: 'clip',
        impl: 'naive',
        n: 65536,
        status: 'skipped',
        reason: 'too big',
        predicted_peak_bytes: 34e9,
        peak_tensor_bytes: null,
      }),
    ) + '\n',
  );
  const s = await writeReport(dir);
  assert.equal(s.okRows, 0);
  assert.match(readFileSync(join(dir, 'report.md'), 'utf8'), /Nothing ran ok/);
  const empty = tmp();
  writeFileSync(join(empty, 'results.jsonl'), '');
  assert.equal((await writeReport(empty)).rows, 0);
});

test('malformed results folders are UsageErrors naming file and line', () => {
  assert.throws(() => loadRun(join(tmpdir(), 'lossbench-no-such-dir-xyz')), UsageError);
  assert.throws(
    () => loadRun(tmp()),
    (e: Error) => e instanceof UsageError && /results\.jsonl/.test(e.message),
  );
  const good = JSON.stringify(row({ loss: 'clip', impl: 'naive', n: 64 }));
  assert.throws(
    () => parseResultsJsonl(`${good}\nnot json\n${good}\n`, 'r.jsonl'),
    (e: Error) => e instanceof UsageError && /r\.jsonl line 2/.test(e.message),
  );
  assert.throws(
    () => parseResultsJsonl(`{"id":"x"}\n${good}\n`, 'r.jsonl'),
    (e: Error) => e instanceof UsageError && /line 1: not a scenario result/.test(e.message),
  );
  assert.equal(parseResultsJsonl(`${good}\n${good.slice(0, 30)}`, 'r.jsonl').rows.length, 1);
  const dir = tmp();
  writeFileSync(join(dir, 'results.jsonl'), `${good}\n`);
  writeFileSync(join(dir, 'run.json'), '{oops');
  assert.throws(
    () => loadRun(dir),
    (e: Error) => e instanceof UsageError && /run\.json/.test(e.message),
  );
});

test('compare merges two machines; refuses mismatched D without --force, accepts with it', async () => {
  const out = join(tmp(), 'cmp');
  const s = await compareRuns([join(FIX, 'runA'), join(FIX, 'runB')], { out });
  assert.equal(s.mismatches.length, 0);
  assert.ok(s.common > 10);
  const csv = readFileSync(s.files.csv, 'utf8').split('\n');
  assert.match(csv[0]!, /^run,id,loss/);
  assert.ok(
    csv.some((l) => l.includes('cpu-wasm tfjs · laptop')) && csv.some((l) => l.includes('gpu-webgpu tfjs · gpubox')),
  );
  const md = readFileSync(s.files.markdown, 'utf8');
  assert.match(md, /Step time \(median\)/);
  assert.match(md, /Peak tensor memory/);
  assert.match(md, /\| clip\/naive\/single\/N8192\/W1\/D256 \| oom \|/, 'a naive id shows no tile width');
  assert.match(md, /×\)/);
  assert.ok(existsSync(join(out, 'compare.html')) && existsSync(join(out, 'charts', 'memory-vs-n.svg')));

  await assert.rejects(
    compareRuns([join(FIX, 'runA'), join(FIX, 'runD512')], { out: join(tmp(), 'x') }),
    (e: Error) => e instanceof UsageError && /different D/.test(e.message),
  );
  const forced = await compareRuns([join(FIX, 'runA'), join(FIX, 'runD512')], { out: join(tmp(), 'y'), force: true });
  assert.ok(forced.mismatches.length > 0 && forced.common > 0);
});

test('byte formatting', () => {
  assert.equal(formatBytes(0), '0 B');
  assert.equal(formatBytes(512), '512 B');
  assert.equal(formatBytes(1536), '1.50 KiB');
  assert.equal(formatBytes(34 * 2 ** 30), '34.0 GiB');
});

test('measured-vs-predicted marks each not-run scenario at its own predicted x', async () => {
  const { measuredVsPredictedChart } = await import('../src/report/charts.js');
  const rows = loadRun(join(FIX, 'runA')).rows;
  const xs = datasetsOf(measuredVsPredictedChart(rows))
    .filter((d) => (d as { pointStyle?: string }).pointStyle === 'crossRot')
    .flatMap((d) => (d.data as ChartPoint[]).map((p) => p.x))
    .sort();
  const want = rows
    .filter((r) => r.status !== 'ok')
    .map((r) => r.predicted_peak_bytes!)
    .sort();
  assert.deepEqual(xs, want);
});

test('naive rows have no tile width: null from birth and from older JSONL; table, checks, legends, CSV', async () => {
  const { writeCsv } = await import('../src/results/store.js');
  const { resultRow, RESULT_HEAD } = await import('../src/report/tables.js');
  const { summaryTable } = await import('../src/report/summary.js');
  const rows = [
    ...NS.map((n) => row({ loss: 'clip', impl: 'naive', n, chunk: null, peak_tensor_bytes: 20 * n * n })),
    ...NS.map((n) => row({ loss: 'clip', impl: 'chunked', n, chunk: 64, peak_tensor_bytes: 4000 * n })),
    ...NS.map((n) => row({ loss: 'clip', impl: 'chunked', n, chunk: 128, peak_tensor_bytes: 5000 * n })),
  ];
  const c = RESULT_HEAD.indexOf('c');
  assert.equal(resultRow(rows[0]!)[c], '—');
  assert.equal(resultRow(rows[NS.length]!)[c], '64');
  const checks = scalingChecks(rows);
  assert.ok(
    checks.some((k) => k.series === 'clip naive single, D=64, W=1'),
    checks.map((k) => k.series).join('\n'),
  );
  assert.ok(checks.some((k) => k.series === 'clip chunked single, D=64, c=64, W=1'));
  const labels = labelsOf(memoryVsNChart(rows));
  assert.ok(labels.includes('naive'), labels.join('\n'));
  assert.ok(labels.includes('chunked c=128'), labels.join('\n'));
  assert.ok(!labels.some((l) => /naive c=/.test(l)), labels.join('\n'));
  assert.doesNotMatch(summaryTable(rows.slice(0, 1)), /4096/);
  const dir = tmp();
  writeCsv(dir, rows);
  const [head, ...lines] = readFileSync(join(dir, 'results.csv'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => l.split(','));
  const at = head!.indexOf('chunk');
  const naive = lines.find((l) => l[0] === 'clip/naive/single/N256/W1/D64');
  const chunked = lines.find((l) => l[0] === 'clip/chunked/single/N256/W1/D64/c64');
  assert.ok(naive && chunked, 'a naive id has no c segment, a chunked one has');
  assert.equal(naive[at], '', 'naive chunk cell empty');
  assert.equal(chunked[at], '64');
  // A row of an older version (naive with the sweep's c, "/c4096" in its id) reads as one of today's.
  const { parseResultsJsonl } = await import('../src/results/load.js');
  const old = { ...rows[0]!, chunk: 4096, id: 'clip/naive/single/N256/W1/D64/c4096' };
  const [read] = parseResultsJsonl(JSON.stringify(old) + '\n', 'results.jsonl').rows;
  assert.equal(read!.chunk, null);
  assert.equal(read!.id, 'clip/naive/single/N256/W1/D64');
});

test('report refuses a folder that is not a lossbench run: one line naming the file, exit 2', async () => {
  const foreign = tmp();
  writeFileSync(join(foreign, 'run.json'), JSON.stringify({ name: 'some other tool', version: 3 }));
  writeFileSync(join(foreign, 'results.jsonl'), 'hello world\n');
  const a = await cli(['report', foreign]);
  assert.equal(a.code, 2);
  assert.equal(a.err.split('\n').length, 1, a.err);
  assert.match(
    a.err,
    /^lossbench: .*run\.json: not a lossbench run \(no lossbench_version, created_at, backend, config\.scenarios\)/,
  );
  assert.equal(existsSync(join(foreign, 'report.md')), false, 'no report written');
  // Without run.json, a results.jsonl whose only line is no row's start is not called torn.
  const noRun = tmp();
  writeFileSync(join(noRun, 'results.jsonl'), 'hello world\n');
  const b = await cli(['report', noRun]);
  assert.equal(b.code, 2);
  assert.match(b.err, /^lossbench: .*results\.jsonl line 1: not valid JSON \(hello world\)$/);
  assert.equal(existsSync(join(noRun, 'report.md')), false);
  // bench --resume reads run.json through the same check.
  const { readRunInfo } = await import('../src/results/store.js');
  assert.throws(
    () => readRunInfo(foreign),
    (e: Error) => e instanceof UsageError && /not a lossbench run/.test(e.message),
  );
});
