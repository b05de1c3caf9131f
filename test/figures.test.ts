// Figures a reviewer accepts: one question per figure, at most six series per panel, tick labels that
// never touch (their boxes computed from chart.js's scales after layout, on screen and at one column),
// simulated time shown per device, identical lines drawn once and named for all they stand for.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { buildCharts, type ChartSpec } from '../src/report/charts.js';
import { mergedLabel, seriesPerPanel } from '../src/report/figure.js';
import { layoutFigure, overlappingTickLabels, PAPER, SCREEN, tickLabelBoxes } from '../src/report/render.js';
import { loadRun } from '../src/results/load.js';
import type { ScenarioResult } from '../src/results/row.js';
import { resultRow, type RowFields } from './helpers/result-row.js';

const FIX = join(import.meta.dirname, 'fixtures', 'report');
/** The default sweep (`npm run bench -- --backend wasm --preset quick`) as it ran on a 2-core CPU. */
const QUICK = loadRun(join(FIX, 'quick-wasm')).rows;

type DistFields = Partial<ScenarioResult> & Pick<ScenarioResult, 'loss' | 'strategy' | 'world'>;
const dist = (p: DistFields, b = 64) =>
  resultRow({
    impl: 'chunked',
    n: b * p.world,
    local_batch: b,
    comm_bytes_sent: 2 * (p.world - 1) * 4 * b * 64,
    peak_tensor_bytes: 1000 * b,
    ...p,
  } as RowFields);

/** Torch on real ranks: measured step, comm and exposed comm. */
const TORCH = (['allgather-global', 'ring'] as const).flatMap((strategy) =>
  [2, 4, 8].map((world) =>
    dist({
      loss: 'clip',
      strategy,
      world,
      engine: 'torch',
      dist_backend: 'gloo',
      comm_ms_measured: world * 0.5,
      comm_exposed_ms: world * 0.2,
    } as DistFields),
  ),
);

/** The implementations another engine referees, as a sweep dimension: six lines per loss. */
const IMPLS = ['naive', 'chunked', 'openclip', 'infcl', 'siglip-kernel', 'memeff'];
const REFEREED = (['clip', 'siglip'] as const).flatMap((loss) =>
  IMPLS.flatMap((impl, i) =>
    [256, 512, 1024, 2048, 4096, 8192, 16384].map((n) =>
      resultRow({ loss, impl: impl as never, n, peak_tensor_bytes: (i + 1) * 1000 * n, step_ms_median: n / (i + 1) }),
    ),
  ),
);

/** Several b at fixed W: the distributed figures over N. */
const OVER_N = ['clip', 'siglip'].flatMap((loss) =>
  [64, 128, 256].map((b) =>
    dist({ loss: loss as 'clip', strategy: loss === 'clip' ? 'ring' : 'allgather', world: 4 }, b),
  ),
);

/** The refereed impls with their errors against the float64 reference (torch rows), fp32 and bf16, one
 * of them wrong, one out of memory, one exact; plus tfjs rows without errors (left out of that figure). */
const CHECKED = [
  ...(['fp32', 'bf16'] as const).flatMap((dtype) =>
    REFEREED.map((r, i): ScenarioResult => ({
      ...r,
      engine: 'torch',
      dtype,
      id: `${r.id}-${dtype}`,
      err_loss: (dtype === 'bf16' ? 1e-3 : 1e-7) * (1 + (i % 6)),
      err_dx: r.impl === 'memeff' && r.n === 4096 ? 0.52 : (dtype === 'bf16' ? 2e-3 : 2e-7) * (1 + (i % 6)),
      err_dy: r.impl === 'naive' ? 0 : 3e-7,
      accuracy: r.impl === 'memeff' && r.n === 4096 ? 'wrong (tolerance 1e-4): dx 5.2e-1' : 'pass',
    })),
  ),
  resultRow({ loss: 'clip', impl: 'infcl', n: 65536, status: 'oom', engine: 'torch', dtype: 'fp32' } as RowFields),
  ...QUICK.slice(0, 4),
];

/** A compare of three machines over the refereed impls, and one run with eight impls. */
const THREE_RUNS = ['A', 'B', 'C'].flatMap((run) => REFEREED.map((r) => ({ ...r, run })));
const EIGHT = [
  ...REFEREED,
  ...['py:m:f', 'py:m:g'].flatMap((impl) =>
    [256, 1024, 4096].map((n) => resultRow({ loss: 'clip', impl: impl as never, n, peak_tensor_bytes: 7000 * n })),
  ),
];

const SETS: [string, readonly ScenarioResult[]][] = [
  ['the default sweep', QUICK],
  ['runA (not-run points)', loadRun(join(FIX, 'runA')).rows],
  ['runB (W varies)', loadRun(join(FIX, 'runB')).rows],
  ['torch ranks', TORCH],
  ['refereed impls', REFEREED],
  ['distributed over N', OVER_N],
  ['three runs', THREE_RUNS],
  ['eight impls', EIGHT],
  ['checked impls', CHECKED],
];
const build = (what: string, rows: readonly ScenarioResult[]) =>
  buildCharts(rows, what === 'three runs' ? { colourBy: 'run' } : {});

const byName = (specs: ChartSpec[], name: string) => specs.find((s) => s.name === name)!;

test('the default sweep: one question per figure, at most six series in any panel', () => {
  const specs = buildCharts(QUICK);
  assert.deepEqual(
    specs.map((s) => s.name),
    ['memory-vs-n', 'time-vs-n', 'measured-vs-predicted', 'flops-vs-n', 'comm-vs-w', 'memory-vs-w', 'time-vs-w'],
  );
  for (const [what, rows] of SETS)
    for (const s of build(what, rows))
      assert.ok(
        seriesPerPanel(s).every((n) => n >= 1 && n <= 6),
        `${what}, ${s.name}: ${seriesPerPanel(s).join(', ')} series per panel`,
      );
  const one = byName(specs, 'memory-vs-n');
  assert.deepEqual(
    one.panels.map((p) => p.title),
    ['CLIP', 'SigLIP'],
  );
  assert.ok(
    !one.panels.some((p) => p.config.data.datasets.some((d) => /ring|allgather/.test(String(d.label)))),
    'one-device scaling holds no distributed lines',
  );
  const ref = byName(buildCharts(REFEREED), 'memory-vs-n');
  assert.deepEqual(
    ref.legend.filter((l) => l.point && l.line).map((l) => l.label),
    IMPLS,
  );
  const three = byName(build('three runs', THREE_RUNS), 'memory-vs-n');
  assert.ok(
    three.panels.some((p) => p.title === 'CLIP, openclip'),
    three.panels.map((p) => p.title).join('; '),
  );
  assert.ok(
    three.panels.every((p) => p.column < 2),
    'panels wrap onto rows two by two',
  );
  const eight = byName(build('eight impls', EIGHT), 'memory-vs-n');
  assert.deepEqual(
    eight.panels.map((p) => p.title),
    ['CLIP (1/2)', 'CLIP (2/2)', 'SigLIP'],
  );
});

test('no two tick labels touch: every figure, on screen and one column wide, across panels too', () => {
  for (const [what, rows] of SETS)
    for (const s of build(what, rows))
      // The screen look (wide) is the easier one: checked on the default sweep and the not-run points.
      for (const look of what === 'the default sweep' || what.startsWith('runA') ? [PAPER, SCREEN] : [PAPER]) {
        const boxes = tickLabelBoxes(s, look);
        assert.ok(boxes.length >= 4, `${what}, ${s.name}: labelled ticks (${boxes.length})`);
        assert.deepEqual(overlappingTickLabels(s, boxes), [], `${what}, ${s.name} at ${look.width} units`);
      }
});

test('the legend is shared below the panels and never taller than a plot', () => {
  for (const [what, rows] of SETS)
    for (const s of build(what, rows)) {
      const lay = layoutFigure(s, PAPER);
      const ys = lay.legend.placed.map((p) => p.y);
      const legendHeight =
        Math.max(...lay.legend.placed.map((p) => p.y + p.lines.length * lay.legend.lineHeight)) - Math.min(...ys);
      const bottom = Math.max(...lay.panels.map((p) => p.y + p.h));
      assert.ok(Math.min(...ys) >= bottom, `${what}, ${s.name}: legend below the panels`);
      assert.ok(
        legendHeight <= PAPER.plotHeight(s.rows),
        `${what}, ${s.name}: legend ${legendHeight} > plot ${PAPER.plotHeight(s.rows)}`,
      );
    }
});

test('round ticks: powers of two on log size axes, 1-2-5 steps on linear bytes', () => {
  const specs = buildCharts(QUICK);
  const labels = (name: string, axis: string) =>
    tickLabelBoxes(byName(specs, name), PAPER)
      .filter((b) => b.axis === axis)
      .map((b) => b.label);
  for (const l of labels('memory-vs-n', 'x')) assert.ok(Number.isInteger(Math.log2(Number(l))), `N tick ${l}`);
  for (const l of labels('memory-vs-n', 'y')) assert.match(l, /^(1|2|4|8|16|32|64|128|256|512) (B|KiB|MiB|GiB)$/);
  const bytes = labels('comm-vs-w', 'y');
  assert.equal(bytes[0], '0');
  assert.ok(new Set(bytes.slice(1).map((l) => l.split(' ')[1])).size === 1, `one unit: ${bytes}`);
  const steps = bytes.map((l) => Number(l.split(' ')[0])).map((v, i, a) => (i ? v - a[i - 1]! : 0));
  const step = steps[1]!;
  assert.ok(
    steps.slice(1).every((d) => d === step) && [1, 2, 5].includes(step / 10 ** Math.floor(Math.log10(step))),
    `1-2-5 steps: ${bytes}`,
  );
  assert.deepEqual(labels('comm-vs-w', 'x').slice(0, 3), ['2', '4', '8']);
});

test('simulated devices: time per device (compute measured, comm modelled), never the whole simulated step', () => {
  const time = byName(buildCharts(QUICK), 'time-vs-w');
  const yTitle = (i: number) =>
    String((time.panels[i]!.config.options as { scales: { y: { title: { text: string } } } }).scales.y.title.text);
  assert.deepEqual(
    [...new Set(time.panels.map((_, i) => yTitle(i)))],
    ['compute, measured (log scale)', 'comm, modelled (log scale)'],
  );
  const computeRows = QUICK.filter((r) => r.world > 1 && r.device_compute_ms !== null);
  assert.ok(computeRows.length >= 12, 'the default sweep measured per-device compute');
  const drawn = time.panels
    .filter((p) => p.row === 0)
    .flatMap((p) => p.config.data.datasets.flatMap((d) => d.data.map((q) => q.y)));
  for (const y of drawn)
    assert.ok(
      computeRows.some((r) => r.device_compute_ms === y),
      `${y} is a device's compute time`,
    );
  assert.ok(!drawn.some((y) => computeRows.some((r) => r.step_ms_median === y)), 'no whole simulated step');
  assert.ok(/each device’s own compute time/.test(time.subtitle) && /modelled/.test(time.subtitle));
  // On a simulated W-device step each device computes its share: the busiest one takes less than the whole.
  for (const r of computeRows) assert.ok(r.device_compute_ms! < r.step_ms_median!, r.id);
});

test('real ranks (torch): measured step, comm and exposed comm, each a row of panels', () => {
  const time = byName(buildCharts(TORCH), 'time-vs-w');
  const titles = time.panels.map(
    (p) => (p.config.options as { scales: { y: { title: { text: string } } } }).scales.y.title.text,
  );
  assert.deepEqual(titles, [
    'step, measured (log scale)',
    'comm, measured (log scale)',
    'exposed comm, measured (log scale)',
  ]);
});

test('the bytes figure shows every strategy: lines that coincide are drawn once, named for all', () => {
  const comm = byName(buildCharts(QUICK), 'comm-vs-w');
  const siglip = comm.panels.find((p) => p.title === 'SigLIP')!;
  const lines = siglip.config.data.datasets.filter((d) => (d as { pointRadius?: number }).pointRadius !== 0);
  assert.equal(lines.length, 1, 'SigLIP’s three strategies send the same bytes');
  assert.deepEqual(String(lines[0]!.label).split(' = ').sort(), ['allgather', 'ring', 'ring-bidir']);
  const named = comm.legend.flatMap((l) => l.label.split(' = '));
  for (const s of ['allgather-global', 'allgather-local', 'ring', 'allgather', 'ring-bidir'])
    assert.ok(named.includes(s), `${s} in ${named}`);
  assert.ok(byName(buildCharts(OVER_N), 'memory-vs-n-at-w'), 'memory vs N at fixed W when b varies');
});

test('a line standing for several series is labelled once per name and per run', () => {
  assert.equal(mergedLabel(['ring', 'allgather']), 'ring = allgather');
  assert.equal(mergedLabel(['A: ring', 'B: ring']), 'ring (A = B)');
  assert.equal(mergedLabel(['A: ring', 'A: allgather', 'B: ring', 'B: allgather']), 'ring = allgather (A = B)');
  assert.equal(mergedLabel(['A: ring', 'B: allgather']), 'A: ring = B: allgather');
});

test('accuracy per implementation: worst error vs N against the tolerance, a panel per loss and dtype', () => {
  assert.equal(byName(buildCharts(QUICK), 'accuracy-vs-n'), undefined, 'tfjs rows carry no error: no figure');
  const acc = byName(buildCharts(CHECKED), 'accuracy-vs-n');
  assert.deepEqual(
    acc.panels.map((p) => p.title),
    ['CLIP, fp32', 'SigLIP, fp32', 'CLIP, bf16', 'SigLIP, bf16'],
  );
  const clip = acc.panels.find((p) => p.title === 'CLIP, fp32')!;
  const line = (label: string) => clip.config.data.datasets.find((d) => d.label === label)!;
  // the worst of the row's errors, an exact one drawn on the axis floor (a log axis), the wrong one above
  const memeff = line('memeff').data as { x: number; y: number }[];
  assert.equal(memeff.find((p) => p.x === 4096)!.y, 0.52);
  const row = CHECKED.find((r) => r.impl === 'memeff' && r.loss === 'clip' && r.n === 256 && r.dtype === 'fp32')!;
  assert.equal(memeff.find((p) => p.x === 256)!.y, Math.max(row.err_loss!, row.err_dx!, row.err_dy!));
  assert.ok((line('naive').data as { y: number }[]).every((p) => p.y > 0));
  const tol = line('tolerance fp32 (1e-4)').data as { y: number }[];
  assert.ok(tol.every((p) => p.y === 1e-4));
  assert.equal(line('tolerance bf16 (0.05)'), undefined, "a panel draws its own dtype's tolerance");
  const bf16 = acc.panels.find((p) => p.title === 'CLIP, bf16')!.config.data.datasets;
  assert.ok(bf16.some((d) => d.label === 'tolerance bf16 (0.05)'));
  const y = clip.config.options!.scales!.y as { min: number; max: number };
  assert.ok(y.min < 2e-7 && y.max > 0.52 && y.max > 1e-4, `y range ${y.min}..${y.max} holds the tolerance`);
  const oom = clip.config.data.datasets.flatMap((d) => d.data as { status?: string }[]).filter((p) => p.status);
  assert.deepEqual(
    oom.map((p) => p.status),
    ['oom'],
    'the out-of-memory row is crossed at the top',
  );
});
