// A figure: one question, drawn as small multiples. Panels (chart.js line configurations) sit in a grid
// and share their axes; one legend below serves them all. facetFigure() builds one from result rows:
// a column of panels per facet value (a loss, say), a row per quantity, a line per series, identical
// series drawn once and labelled with every name they share, scenarios that did not run crossed out at
// the top of the axis with their predicted value written beside them.
import type { ChartConfiguration } from 'chart.js';
import {
  axis,
  baseOptions,
  ColourBook,
  dashFor,
  errorBars,
  GUIDE_COLOUR,
  NOT_RUN_POINT,
  notRunNotes,
  SERIES_POINTS,
  whiteBackground,
  type AxisKind,
} from './chart-style.js';
import { distinct, isOk, type Row } from './series.js';

/** A point; yMin/yMax carry the p10–p90 spread drawn by the errorBars plugin. */
export interface ChartPoint {
  x: number;
  y: number;
  yMin?: number;
  yMax?: number;
  /** Status and series of a not-run marker, kept for readers of the config. */
  status?: string;
  series?: string;
  /** Written beside a not-run marker: its status and predicted value. */
  note?: string;
}

export type LineConfig = ChartConfiguration<'line', ChartPoint[]>;
export type Dataset = LineConfig['data']['datasets'][number];

export interface Panel {
  /** The facet's name (a loss, a quantity), drawn above the panel. */
  title: string;
  config: LineConfig;
  /** Grid position (row, column); empty cells stay blank. */
  row: number;
  column: number;
}

export interface LegendItem {
  label: string;
  colour: string;
  dash: number[];
  /** The marker drawn on the sample, or none (a guide line). */
  point: string | null;
  line: boolean;
}

export interface ChartSpec {
  /** File stem under charts/. */
  name: string;
  title: string;
  /** What the reader needs to read it (scales, what crosses mean); the caption in LaTeX. */
  subtitle: string;
  panels: Panel[];
  rows: number;
  columns: number;
  legend: LegendItem[];
}

/** How series are told apart: in a report colour = series, in a compare colour = machine (run). */
export type ColourBy = 'series' | 'run';

export interface SeriesOf {
  key: string;
  label: string;
  impl: string;
  run?: string;
}

/** One row of panels: what is drawn on y. */
export interface Quantity {
  key: string;
  /** y axis title, units in parentheses. */
  title: string;
  kind: AxisKind;
  /** The value of an ok row, or null (not drawn). */
  y: (r: Row) => number | null;
  spread?: (r: Row) => [number, number] | null;
  /** The predicted value written beside a not-run marker (formatted), or null. */
  predicted?: (r: Row) => string | null;
  /** Rows this quantity applies to (default all). */
  applies?: (r: Row) => boolean;
  /** Values the y range must include besides the data (a threshold drawn as a guide, say). */
  extent?: number[];
}

export interface FacetSpec {
  name: string;
  title: string;
  subtitle: string;
  rows: readonly Row[];
  /** The facet (panel column) of a row: key and title. */
  column: (r: Row) => { key: string; title: string };
  quantities: Quantity[];
  series: (r: Row) => SeriesOf;
  x: (r: Row) => number;
  xKind: AxisKind;
  xTitle: string;
  /** Lines between points (false: a scatter). */
  lines?: boolean;
  colourBy?: ColourBy;
  /** Extra lines per panel (guides), given the panel's ok points, the shared ranges and the panel's rows. */
  guides?: (points: ChartPoint[], xr: Range, yr: Range, rows: readonly Row[]) => Dataset[];
  /** Let each quantity row have its own y range (default: one range for all rows). */
  ownYRange?: boolean;
  /** A further facet for panels that would hold more than MAX_SERIES lines (in a compare: the impl, say). */
  overflow?: (r: Row) => { key: string; title: string };
}

/** Lines per panel at most: beyond, panels split (by `overflow`, then into groups in order). */
export const MAX_SERIES = 6;
/** Panels side by side at most (one paper column holds two); more wrap onto further rows. */
export const MAX_COLUMNS = 2;

type ColumnOf = (r: Row) => { key: string; title: string };

/** The panel facet, split further where a panel would hold more than MAX_SERIES lines. */
function fitColumns(spec: FacetSpec): ColumnOf {
  const seriesIn = (c: ColumnOf) => {
    const order = new Map<string, string[]>();
    for (const r of spec.rows) {
      const k = c(r).key;
      const keys = order.get(k) ?? [];
      const sk = spec.series(r).key;
      if (!keys.includes(sk)) keys.push(sk);
      order.set(k, keys);
    }
    return order;
  };
  const most = (c: ColumnOf) => Math.max(0, ...[...seriesIn(c).values()].map((k) => k.length));
  let col: ColumnOf = spec.column;
  if (most(col) <= MAX_SERIES) return col;
  if (spec.overflow) {
    const base = col;
    const extra = spec.overflow;
    col = (r) => {
      const a = base(r);
      const b = extra(r);
      return { key: `${a.key}|${b.key}`, title: `${a.title}, ${b.title}` };
    };
    if (most(col) <= MAX_SERIES) return col;
  }
  // Groups of at most MAX_SERIES lines, in order of first appearance, as even as they come.
  const order = seriesIn(col);
  const base = col;
  return (r) => {
    const a = base(r);
    const keys = order.get(a.key)!;
    if (keys.length <= MAX_SERIES) return a;
    const n = Math.ceil(keys.length / MAX_SERIES);
    const g = Math.floor(keys.indexOf(spec.series(r).key) / Math.ceil(keys.length / n));
    return { key: `${a.key}|${g}`, title: `${a.title} (${g + 1}/${n})` };
  };
}

export interface Range {
  min: number;
  max: number;
}

const LOG_KINDS: AxisKind[] = ['batch', 'bytes', 'ms', 'flops', 'error'];
const NOT_RUN_LABEL = 'did not run (top of axis: status, prediction)';

function rangeOf(values: number[], kind: AxisKind, pad = 1.3): Range {
  const log = LOG_KINDS.includes(kind);
  const v = values.filter((x) => Number.isFinite(x) && (!log || x > 0));
  if (!v.length) return log ? { min: 1, max: 10 } : { min: 0, max: 1 };
  const lo = Math.min(...v);
  const hi = Math.max(...v);
  if (log) return { min: lo / pad, max: hi === lo ? hi * pad * 2 : hi * pad };
  const span = hi - Math.min(0, lo) || Math.abs(hi) || 1;
  return { min: Math.min(0, lo), max: hi + span * 0.08 };
}

function xRangeOf(values: number[], kind: AxisKind): Range {
  if (LOG_KINDS.includes(kind)) return rangeOf(values, kind, 1.2);
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const pad = (hi - lo || 1) * 0.06;
  return { min: lo - pad, max: hi + pad };
}

const samePoints = (a: ChartPoint[], b: ChartPoint[]) =>
  a.length === b.length && a.every((p, i) => p.x === b[i]!.x && Math.abs(p.y - b[i]!.y) <= 1e-9 * Math.abs(p.y));

export function guideDataset(label: string, data: ChartPoint[], dash: number[]): Dataset {
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

interface Styled {
  label: string;
  colour: string;
  dash: number[];
  point: string;
  points: ChartPoint[];
  /** Stands for several identical series (its own colour and marker, not the first one's). */
  merged?: boolean;
}

/**
 * The label of a line that stands for several: "ring = allgather", or where the labels carry a run
 * ("run A: ring", "run B: ring"), the shared part once: "ring (run A = run B)".
 */
export function mergedLabel(labels: readonly string[]): string {
  const parts = labels.map((l) => {
    const at = l.lastIndexOf(': ');
    return at < 0 ? { run: '', name: l } : { run: l.slice(0, at), name: l.slice(at + 2) };
  });
  const names = distinct(parts.map((p) => p.name));
  const runs = distinct(parts.map((p) => p.run));
  if (runs.length === 1) return `${runs[0] ? `${runs[0]}: ` : ''}${names.join(' = ')}`;
  // Every run with every name (the same strategies coincide on every machine): each list once.
  if (parts.length === names.length * runs.length) return `${names.join(' = ')} (${runs.join(' = ')})`;
  return labels.join(' = ');
}

/** Series of one panel, identical ones (same x and y everywhere) merged into one labelled for all. */
function mergeIdentical(series: Styled[]): Styled[] {
  const out: (Styled & { labels: string[] })[] = [];
  for (const s of series) {
    const twin = out.find((o) => samePoints(o.points, s.points));
    if (twin) {
      twin.labels.push(s.label);
      twin.merged = true;
    } else out.push({ ...s, labels: [s.label] });
  }
  return out.map(({ labels, ...s }) => ({ ...s, label: mergedLabel(labels) }));
}

/** Builds the figure; null when no quantity has anything to draw. */
export function facetFigure(spec: FacetSpec): ChartSpec | null {
  const colourBy = spec.colourBy ?? 'series';
  const column = fitColumns(spec);
  const columns = distinct(spec.rows.map((r) => column(r).key));
  const titles = new Map(spec.rows.map((r) => [column(r).key, column(r).title]));
  const rowsPer = Math.ceil(columns.length / MAX_COLUMNS);
  const quantities = spec.quantities.filter((q) =>
    spec.rows.some((r) => (q.applies?.(r) ?? true) && (!isOk(r) || (q.y(r) ?? 0) !== 0)),
  );
  if (!quantities.length || !columns.length) return null;
  const xr = xRangeOf(spec.rows.map(spec.x), spec.xKind);
  const xValues = distinct(spec.rows.map(spec.x));
  const okValues = (q: Quantity) =>
    spec.rows
      .filter((r) => isOk(r) && (q.applies?.(r) ?? true))
      .flatMap((r) => {
        const y = q.y(r);
        return y === null ? [] : [y, ...(q.spread?.(r) ?? [])];
      })
      .concat(q.extent ?? []);
  const sharedY = rangeOf(quantities.flatMap(okValues), quantities[0]!.kind);
  const colours = new ColourBook();
  const pointOf = new Map<string, string>();
  const styleKey = (s: SeriesOf) => (colourBy === 'run' ? (s.run ?? '') : s.label);
  const panels: Panel[] = [];
  quantities.forEach((q, qi) => {
    const yr = spec.ownYRange ? rangeOf(okValues(q), q.kind) : sharedY;
    columns.forEach((col, ci) => {
      const rows = spec.rows.filter((r) => column(r).key === col && (q.applies?.(r) ?? true));
      const bySeries = new Map<string, { id: SeriesOf; rows: Row[] }>();
      for (const r of rows) {
        const id = spec.series(r);
        const g = bySeries.get(id.key) ?? { id, rows: [] };
        g.rows.push(r);
        bySeries.set(id.key, g);
      }
      const drawn: Styled[] = [];
      const notRun: (ChartPoint & { colour: string })[] = [];
      for (const { id, rows: rs } of bySeries.values()) {
        const colour = colours.get(styleKey(id));
        if (!pointOf.has(id.label)) pointOf.set(id.label, SERIES_POINTS[pointOf.size % SERIES_POINTS.length]!);
        const style = { label: id.label, colour, dash: dashFor(id.impl), point: pointOf.get(id.label)! };
        const points = rs
          .filter(isOk)
          .flatMap((r): ChartPoint[] => {
            const y = q.y(r);
            if (y === null || (LOG_KINDS.includes(q.kind) && y <= 0)) return [];
            const sp = q.spread?.(r);
            return [{ x: spec.x(r), y, ...(sp ? { yMin: sp[0], yMax: sp[1] } : {}) }];
          })
          .sort((a, b) => a.x - b.x)
          .filter((p, i, all) => i === 0 || p.x !== all[i - 1]!.x);
        if (points.length) drawn.push({ ...style, points });
        for (const r of rs.filter((x) => !isOk(x))) {
          const pred = q.predicted?.(r) ?? null;
          notRun.push({
            x: spec.x(r),
            y: yr.max,
            status: r.status,
            series: id.label,
            note: `${r.status}${pred ? `: ${pred}` : ''}`,
            colour,
          });
        }
      }
      if (!drawn.length && !notRun.length) return;
      const merged = mergeIdentical(drawn).map((s) => {
        if (!s.merged || colourBy === 'run') return s;
        if (!pointOf.has(s.label)) pointOf.set(s.label, SERIES_POINTS[pointOf.size % SERIES_POINTS.length]!);
        return { ...s, colour: colours.get(s.label), point: pointOf.get(s.label)! };
      });
      const datasets: Dataset[] = merged.map(
        (s) =>
          ({
            label: s.label,
            data: s.points,
            borderColor: s.colour,
            backgroundColor: s.colour,
            borderDash: s.dash,
            pointStyle: s.point,
            showLine: spec.lines ?? true,
            borderWidth: 3,
            pointRadius: 5,
            fill: false,
          }) as Dataset,
      );
      const guides = spec.guides?.(
        drawn.flatMap((s) => s.points),
        xr,
        yr,
        rows,
      );
      if (guides) datasets.push(...guides);
      if (notRun.length)
        datasets.push({
          label: NOT_RUN_LABEL,
          data: notRun.map(({ colour: _c, ...p }) => p),
          borderColor: '#000',
          backgroundColor: '#000',
          pointBorderColor: notRun.map((p) => p.colour),
          pointBackgroundColor: notRun.map((p) => p.colour),
          pointStyle: NOT_RUN_POINT,
          pointRadius: 10,
          pointBorderWidth: 3,
          showLine: false,
          borderDash: [],
          clip: false,
        } as unknown as Dataset);
      const hasSpread = drawn.some((s) => s.points.some((p) => p.yMin !== undefined));
      const title = titles.get(col) ?? col;
      panels.push({
        title,
        row: qi * rowsPer + Math.floor(ci / MAX_COLUMNS),
        column: ci % MAX_COLUMNS,
        config: {
          type: 'line',
          data: { datasets },
          options: baseOptions(
            title,
            null,
            axis(spec.xKind, spec.xTitle, xr, xValues),
            ci % MAX_COLUMNS === 0 ? axis(q.kind, q.title, yr) : sharedAxis(axis(q.kind, q.title, yr)),
          ) as LineConfig['options'],
          plugins: (hasSpread
            ? [whiteBackground, errorBars, notRunNotes]
            : [whiteBackground, notRunNotes]) as LineConfig['plugins'],
        },
      });
    });
  });
  if (!panels.length) return null;
  return {
    name: spec.name,
    title: spec.title,
    subtitle: spec.subtitle,
    panels,
    rows: quantities.length * rowsPer,
    columns: Math.min(MAX_COLUMNS, columns.length),
    legend: legendOf(panels),
  };
}

/** The y axis of a panel right of the first: the same scale, its ticks and title left to the first panel. */
function sharedAxis(a: Record<string, unknown>): Record<string, unknown> {
  const title = a.title as Record<string, unknown>;
  const ticks = a.ticks as Record<string, unknown>;
  return { ...a, title: { ...title, display: false }, ticks: { ...ticks, display: false } };
}

/** One legend for all panels: every label once, in order of first appearance, the not-run marker last. */
export function legendOf(panels: readonly Panel[]): LegendItem[] {
  const items: LegendItem[] = [];
  const guides: LegendItem[] = [];
  let notRun: LegendItem | null = null;
  for (const p of panels)
    for (const d of p.config.data.datasets) {
      const x = d as unknown as Record<string, unknown>;
      const label = String(x.label ?? '');
      if ([...items, ...guides].some((i) => i.label === label) || notRun?.label === label) continue;
      const item: LegendItem = {
        label,
        colour: String(x.borderColor ?? '#000'),
        dash: (x.borderDash as number[] | undefined) ?? [],
        point: x.pointRadius === 0 ? null : String(x.pointStyle ?? 'circle'),
        line: x.showLine !== false,
      };
      if (label === NOT_RUN_LABEL) notRun = item;
      else (item.point ? items : guides).push(item);
    }
  return [...items, ...guides, ...(notRun ? [notRun] : [])];
}

/** The series drawn in each panel (guides and not-run markers aside): for the ≤ 6 per panel rule. */
export function seriesPerPanel(spec: ChartSpec): number[] {
  return spec.panels.map(
    (p) =>
      p.config.data.datasets.filter((d) => {
        const x = d as unknown as Record<string, unknown>;
        return x.pointRadius !== 0 && x.label !== NOT_RUN_LABEL;
      }).length,
  );
}
