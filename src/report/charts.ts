// Chart configurations as pure functions of the rows: what is drawn, not how. Rendering is render.ts's
// job, so tests can read series labels, guide lines and not-run markers straight from the config.
import type { ChartConfiguration } from 'chart.js';
import { memorySlopeOverN } from './checks.js';
import { fitLogLog } from './slope.js';
import { formatSlope } from '../util/format.js';
import {
  axis,
  baseOptions,
  CHART_HEIGHT,
  ColourBook,
  dashFor,
  errorBars,
  GUIDE_COLOUR,
  LOSS_POINT,
  NOT_RUN_POINT,
  whiteBackground,
} from './chart-style.js';
import { distinct, isOk, seriesOverN, varying, type Row, type Series } from './series.js';

/** A point; yMin/yMax carry the p10–p90 spread drawn by the errorBars plugin. */
export interface ChartPoint {
  x: number;
  y: number;
  yMin?: number;
  yMax?: number;
  /** Status and series of a not-run marker, kept for readers of the config. */
  status?: string;
  series?: string;
}

export type LineConfig = ChartConfiguration<'line', ChartPoint[]>;
type Dataset = LineConfig['data']['datasets'][number];

export interface ChartSpec {
  /** File stem under charts/. */
  name: string;
  title: string;
  config: LineConfig;
  /** Canvas height in px: taller when the legend has many entries. */
  height: number;
}

/** How series are told apart: in a report colour = loss×strategy, in a compare colour = machine. */
export type ColourBy = 'series' | 'run';

export interface ChartOptions {
  colourBy?: ColourBy;
}

const NOT_RUN_SUFFIX = 'not run';

function styleOf(s: Series, colours: ColourBook, colourBy: ColourBy) {
  const key = colourBy === 'run' ? (s.run ?? '') : s.label.replace(` ${s.impl}`, '');
  const colour = colours.get(key);
  return {
    borderColor: colour,
    backgroundColor: colour,
    borderDash: dashFor(s.impl),
    pointStyle: LOSS_POINT[s.loss] ?? 'circle',
  };
}

function dataDataset(label: string, style: ReturnType<typeof styleOf>, data: ChartPoint[], showLine = true): Dataset {
  return { label, data, ...style, showLine, borderWidth: 3, pointRadius: 5, fill: false } as Dataset;
}

/** Marks scenarios that did not run ok: a crossed marker in the series colour, no line. */
function notRunDataset(label: string, style: ReturnType<typeof styleOf>, data: ChartPoint[]): Dataset {
  return {
    label: `${label}: ${NOT_RUN_SUFFIX} (${distinct(data.map((p) => p.status)).join('/')})`,
    data: data.map((p) => ({ ...p, series: label, colour: style.borderColor })),
    borderColor: style.borderColor,
    backgroundColor: style.borderColor,
    pointStyle: NOT_RUN_POINT,
    pointRadius: 10,
    pointBorderWidth: 3,
    showLine: false,
    borderDash: [],
  } as Dataset;
}

/** All not-run markers of a chart in one dataset (one legend entry), each cross in its series colour. */
function mergeNotRun(markers: Dataset[], where: string): Dataset[] {
  if (!markers.length) return [];
  const data = markers.flatMap((m) => m.data as (ChartPoint & { colour: string })[]);
  const statuses = distinct(data.map((p) => p.status)).join('/');
  const colours = data.map((p) => p.colour);
  return [
    {
      label: `${NOT_RUN_SUFFIX} (${statuses}), ${where}`,
      data,
      borderColor: '#000',
      backgroundColor: '#000',
      pointBorderColor: colours,
      pointBackgroundColor: colours,
      pointStyle: NOT_RUN_POINT,
      pointRadius: 10,
      pointBorderWidth: 3,
      showLine: false,
      borderDash: [],
    } as Dataset,
  ];
}

function guideDataset(label: string, data: ChartPoint[], dash: number[]): Dataset {
  return {
    label,
    data,
    borderColor: GUIDE_COLOUR,
    backgroundColor: GUIDE_COLOUR,
    borderDash: dash,
    borderWidth: 2,
    pointRadius: 0,
    showLine: true,
    fill: false,
  } as Dataset;
}

function range(values: number[], padLog = 1.3): { min: number; max: number } | undefined {
  const v = values.filter((x) => x > 0 && Number.isFinite(x));
  if (!v.length) return undefined;
  const lo = Math.min(...v);
  const hi = Math.max(...v);
  return { min: lo / padLog, max: hi === lo ? hi * padLog * 2 : hi * padLog };
}

/** Grows the canvas with the legend so the plot area keeps its size. */
function heightFor(config: LineConfig): number {
  const labels = config.data.datasets.map((d) => String(d.label ?? ''));
  const rows = labels.reduce((n, l) => n + (l.length > 45 ? 1 : 1 / 3), 0);
  return CHART_HEIGHT + Math.max(0, Math.ceil(rows) - 3) * 29;
}

function withHeight(spec: Omit<ChartSpec, 'height'>): ChartSpec {
  return { ...spec, height: heightFor(spec.config) };
}

function config(
  title: string,
  subtitle: string | null,
  x: Record<string, unknown>,
  y: Record<string, unknown>,
  datasets: Dataset[],
  withErrorBars = false,
): LineConfig {
  return {
    type: 'line',
    data: { datasets },
    options: baseOptions(title, subtitle, x, y) as LineConfig['options'],
    plugins: (withErrorBars ? [whiteBackground, errorBars] : [whiteBackground]) as LineConfig['plugins'],
  };
}

/** Per series: ok points from `value`, and not-run markers at `markAt` (a prediction, or the axis top). */
function seriesDatasets(
  series: Series[],
  colourBy: ColourBy,
  value: (r: Row) => ChartPoint | null,
  markAt: (r: Row) => number,
  label: (s: Series) => string = (s) => s.label,
  markX: (r: Row) => number = (r) => r.n,
): { datasets: Dataset[]; markers: Dataset[] } {
  const colours = new ColourBook();
  const datasets: Dataset[] = [];
  const markers: Dataset[] = [];
  for (const s of series) {
    const style = styleOf(s, colours, colourBy);
    const pts = s.rows
      .filter(isOk)
      .map(value)
      .filter((p): p is ChartPoint => p !== null);
    if (pts.length) datasets.push(dataDataset(label(s), style, pts));
    const failed = s.rows.filter((r) => !isOk(r)).map((r) => ({ x: markX(r), y: markAt(r), status: r.status }));
    if (failed.length) markers.push(notRunDataset(s.label, style, failed));
  }
  return { datasets, markers };
}

/** Legend slope: over the fit-regime points of the check, else over all ok points. */
function slopeLabel(s: Series): string {
  let slope = memorySlopeOverN(s.rows).slope;
  if (slope === null) {
    const pts = s.rows.filter((r) => isOk(r) && r.peak_tensor_bytes).map((r) => ({ x: r.n, y: r.peak_tensor_bytes! }));
    slope = distinct(pts.map((p) => p.x)).length >= 2 ? (fitLogLog(pts)?.slope ?? null) : null;
  }
  return slope === null ? s.label : `${s.label} (slope ${formatSlope(slope)})`;
}

const notRunNote = 'crosses: scenarios that did not run ok, at their predicted value (or the top of the axis)';

export function memoryVsNChart(rows: readonly Row[], opts: ChartOptions = {}): ChartSpec {
  const colourBy = opts.colourBy ?? 'series';
  const series = seriesOverN(rows, varying(rows));
  const okY = rows
    .filter(isOk)
    .map((r) => r.peak_tensor_bytes ?? 0)
    .filter((v) => v > 0);
  const predicted = rows.filter((r) => !isOk(r)).map((r) => r.predicted_peak_bytes ?? 0);
  const yr = range([...okY, ...predicted]);
  const top = yr ? yr.max / 1.15 : 1;
  const { datasets, markers } = seriesDatasets(
    series,
    colourBy,
    (r) => (r.peak_tensor_bytes && r.peak_tensor_bytes > 0 ? { x: r.n, y: r.peak_tensor_bytes } : null),
    (r) => (r.predicted_peak_bytes && r.predicted_peak_bytes > 0 ? r.predicted_peak_bytes : top),
    slopeLabel,
  );
  // O(N) and O(N²) guides through the middle of the measured data (geometric means).
  const ns = rows.map((r) => r.n);
  const guides: Dataset[] = [];
  if (okY.length && ns.length) {
    const nLo = Math.min(...ns);
    const nHi = Math.max(...ns);
    const nMid = Math.sqrt(nLo * nHi);
    const yMid = Math.exp(okY.reduce((a, v) => a + Math.log(v), 0) / okY.length);
    const line = (p: number) => [nLo, nHi].map((n) => ({ x: n, y: yMid * (n / nMid) ** p }));
    guides.push(guideDataset('O(N) guide', line(1), [3, 5]), guideDataset('O(N²) guide', line(2), [14, 6, 3, 6]));
  }
  const title = 'Peak tensor memory vs global batch N';
  return withHeight({
    name: 'memory-vs-n',
    title,
    config: config(
      title,
      `log–log; slope = fitted exponent; ${notRunNote}`,
      axis('batch', 'global batch N (pairs, log scale)', range(ns, 1.2)),
      axis('bytes', 'peak tensor memory per device (bytes, log scale)', yr),
      [...datasets, ...guides, ...mergeNotRun(markers, 'at predicted peak')],
    ),
  });
}

export function timeVsNChart(rows: readonly Row[], opts: ChartOptions = {}): ChartSpec {
  const colourBy = opts.colourBy ?? 'series';
  const series = seriesOverN(rows, varying(rows));
  const ok = rows.filter((r) => isOk(r) && r.step_ms_median !== null && r.step_ms_median > 0);
  const yr = range(
    ok.flatMap((r) => [r.step_ms_median!, r.step_ms_p10 ?? r.step_ms_median!, r.step_ms_p90 ?? r.step_ms_median!]),
  );
  const top = yr ? yr.max / 1.15 : 1;
  const { datasets, markers } = seriesDatasets(
    series,
    colourBy,
    (r) => {
      if (r.step_ms_median === null || r.step_ms_median <= 0) return null;
      const p: ChartPoint = { x: r.n, y: r.step_ms_median };
      if (r.step_ms_p10 !== null && r.step_ms_p90 !== null)
        Object.assign(p, { yMin: r.step_ms_p10, yMax: r.step_ms_p90 });
      return p;
    },
    () => top,
  );
  const title = 'Step time (forward + backward) vs global batch N';
  return withHeight({
    name: 'time-vs-n',
    title,
    config: config(
      title,
      `median; bars span p10–p90; ${notRunNote}`,
      axis(
        'batch',
        'global batch N (pairs, log scale)',
        range(
          rows.map((r) => r.n),
          1.2,
        ),
      ),
      axis('ms', 'step time, median (ms, log scale)', yr),
      [...datasets, ...mergeNotRun(markers, 'at top of axis')],
      true,
    ),
  });
}

export function measuredVsPredictedChart(rows: readonly Row[], opts: ChartOptions = {}): ChartSpec {
  const colourBy = opts.colourBy ?? 'series';
  const withPred = rows.filter((r) => r.predicted_peak_bytes !== null && r.predicted_peak_bytes > 0);
  const series = seriesOverN(withPred, varying(rows));
  const all = withPred.flatMap((r) => [
    r.predicted_peak_bytes!,
    ...(isOk(r) && r.peak_tensor_bytes ? [r.peak_tensor_bytes] : []),
  ]);
  const r = range(all);
  const top = r ? r.max / 1.15 : 1;
  const { datasets, markers } = seriesDatasets(
    series,
    colourBy,
    (q) =>
      q.peak_tensor_bytes && q.peak_tensor_bytes > 0 ? { x: q.predicted_peak_bytes!, y: q.peak_tensor_bytes } : null,
    () => top,
    undefined,
    (q) => q.predicted_peak_bytes!,
  );
  for (const d of datasets) Object.assign(d, { showLine: false });
  const diag = r
    ? [
        guideDataset(
          'measured = predicted (y = x)',
          [
            { x: r.min, y: r.min },
            { x: r.max, y: r.max },
          ],
          [8, 6],
        ),
      ]
    : [];
  const title = 'Measured vs predicted peak tensor memory';
  return withHeight({
    name: 'measured-vs-predicted',
    title,
    config: config(
      title,
      `points above the line use more than predicted; ${notRunNote.replace('at their predicted value (or the top of the axis)', 'at the top, x = predicted')}`,
      axis('bytes', 'predicted peak (bytes, log scale)', r),
      axis('bytes', 'measured peak tensor bytes (log scale)', r),
      [...datasets, ...diag, ...mergeNotRun(markers, 'at top, x = predicted')],
    ),
  });
}

/** Null when W does not vary (nothing to draw). */
export function commVsWorldChart(rows: readonly Row[], opts: ChartOptions = {}): ChartSpec | null {
  const colourBy = opts.colourBy ?? 'series';
  const dist = rows.filter((r) => r.comm_bytes_sent !== null);
  if (distinct(rows.map((r) => r.world)).length < 2 || !dist.length) return null;
  const v = varying(dist);
  const colours = new ColourBook();
  const groups = new Map<string, Row[]>();
  for (const r of dist) {
    const k = `${r.run ?? ''}|${r.loss}|${r.strategy}|${r.impl}|${r.local_batch}|${r.dim}`;
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  const multiB = distinct(dist.map((r) => r.local_batch)).length > 1;
  const datasets: Dataset[] = [];
  const markers: Dataset[] = [];
  const top = Math.max(...dist.map((r) => r.comm_bytes_sent ?? 0)) * 1.05 || 1;
  for (const g of groups.values()) {
    const r0 = g[0]!;
    const label = `${v.run && r0.run ? r0.run + ': ' : ''}${r0.loss} ${r0.strategy} ${r0.impl}${multiB ? ` b=${r0.local_batch}` : ''}${v.dim ? ` D=${r0.dim}` : ''}`;
    const s: Series = { key: label, label, loss: r0.loss, impl: r0.impl, strategy: r0.strategy, run: r0.run, rows: g };
    const style = styleOf(s, colours, colourBy);
    const pts = g
      .filter(isOk)
      .sort((a, b) => a.world - b.world)
      .map((r) => ({ x: r.world, y: r.comm_bytes_sent! }));
    if (pts.length) datasets.push(dataDataset(label, style, pts));
    const failed = g
      .filter((r) => !isOk(r))
      .map((r) => ({ x: r.world, y: r.predicted_comm_bytes ?? top, status: r.status }));
    if (failed.length) markers.push(notRunDataset(label, style, failed));
  }
  const title = 'Bytes sent per device per step vs world size W';
  return withHeight({
    name: 'comm-vs-w',
    title,
    config: config(
      title,
      "counted on the collectives' byte ledger (simulated devices); no time is shown: communication time is only modelled",
      axis('world', 'world size W (devices)'),
      axis('bytes-linear', 'bytes sent per device per step'),
      [...datasets, ...mergeNotRun(markers, 'at predicted bytes')],
    ),
  });
}

export function flopsVsNChart(rows: readonly Row[], opts: ChartOptions = {}): ChartSpec {
  const colourBy = opts.colourBy ?? 'series';
  const series = seriesOverN(rows, varying(rows));
  const ok = rows.filter((r) => isOk(r) && r.achieved_flops_per_s !== null && r.achieved_flops_per_s > 0);
  const yr = range(ok.map((r) => r.achieved_flops_per_s!));
  const top = yr ? yr.max / 1.15 : 1;
  const { datasets, markers } = seriesDatasets(
    series,
    colourBy,
    (r) => (r.achieved_flops_per_s && r.achieved_flops_per_s > 0 ? { x: r.n, y: r.achieved_flops_per_s } : null),
    () => top,
  );
  const title = 'Achieved FLOP/s vs global batch N';
  return withHeight({
    name: 'flops-vs-n',
    title,
    config: config(
      title,
      `FLOPs the implementation performs per step ÷ median step time; ${notRunNote.replace('at their predicted value (or the top of the axis)', 'at the top of the axis')}`,
      axis(
        'batch',
        'global batch N (pairs, log scale)',
        range(
          rows.map((r) => r.n),
          1.2,
        ),
      ),
      axis('flops', 'achieved FLOP/s (log scale)', yr),
      [...datasets, ...mergeNotRun(markers, 'at top of axis')],
    ),
  });
}

/** All charts for a set of rows; the comm chart only when W varies. */
export function buildCharts(rows: readonly Row[], opts: ChartOptions = {}): ChartSpec[] {
  const comm = commVsWorldChart(rows, opts);
  return [
    memoryVsNChart(rows, opts),
    timeVsNChart(rows, opts),
    measuredVsPredictedChart(rows, opts),
    ...(comm ? [comm] : []),
    flopsVsNChart(rows, opts),
  ];
}
