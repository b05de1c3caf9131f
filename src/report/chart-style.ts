// Look of the charts: print-readable fonts and lines, colour-blind-safe palette, one dash per impl,
// and the tick makers for log axes (powers of two for N and bytes, 1-2-5 for times and rates).
import type { Chart, Plugin, Scale } from 'chart.js';
import { formatBytesTick, formatErrorTick, formatMsTick, formatSiTick } from '../util/format.js';
import { decadeTicks, linear125, pow2Ticks, thin, ticks125 } from './ticks.js';

export { pow2Ticks, ticks125 } from './ticks.js';

export const CHART_WIDTH = 1200;
export const CHART_HEIGHT = 760;
export const FONT_FAMILY = "'DejaVu Sans', 'Helvetica Neue', Helvetica, Arial, sans-serif";

/**
 * Okabe–Ito (no yellow: it vanishes on paper), ordered so that the first colours, the ones most charts
 * use (CLIP, SigLIP, a third series), are far apart in lightness too (CIE L* 46, 71, 0) and stay apart
 * printed in greyscale; the dash per impl and the marker per loss tell the rest apart there.
 */
export const PALETTE = [
  '#0072B2',
  '#E69F00',
  '#000000',
  '#D55E00',
  '#56B4E9',
  '#009E73',
  '#CC79A7',
  '#8C564B',
  '#7F7F7F',
];

export const IMPL_DASH: Record<string, number[]> = {
  naive: [],
  chunked: [12, 6],
  checkpoint: [10, 3, 2, 3],
  fused: [16, 3],
  openclip: [3, 4],
  infcl: [14, 4, 3, 4],
  'siglip-kernel': [6, 3],
  memeff: [2, 2],
};
export const LOSS_POINT: Record<string, 'circle' | 'triangle' | 'rect'> = { clip: 'circle', siglip: 'triangle' };
/** Markers by series (colour) index within a figure, so that series stay apart in greyscale too. */
export const SERIES_POINTS = ['circle', 'triangle', 'rect', 'rectRot', 'star', 'cross'] as const;
/** Marker of a scenario that did not run ok (oom, limit, skipped, error, timeout). */
export const NOT_RUN_POINT = 'crossRot';
export const GUIDE_COLOUR = '#888888';

export function dashFor(impl: string): number[] {
  return IMPL_DASH[impl] ?? [4, 4];
}

/** Stable colour per key, in order of first appearance. */
export class ColourBook {
  private readonly seen = new Map<string, string>();
  get(key: string): string {
    let c = this.seen.get(key);
    if (!c) this.seen.set(key, (c = PALETTE[this.seen.size % PALETTE.length]!));
    return c;
  }
}

/** Paints the canvas white before anything is drawn: PNGs and SVGs are otherwise transparent. */
export const whiteBackground: Plugin = {
  id: 'whiteBackground',
  beforeDraw(chart: Chart) {
    const ctx = chart.ctx;
    ctx.save();
    ctx.globalCompositeOperation = 'destination-over';
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, chart.width, chart.height);
    ctx.restore();
  },
};

/** Draws a vertical bar from point.yMin to point.yMax (the p10–p90 spread) on datasets that carry them. */
export const errorBars: Plugin = {
  id: 'errorBars',
  afterDatasetsDraw(chart: Chart) {
    const ctx = chart.ctx;
    const y = chart.scales.y;
    if (!y) return;
    chart.data.datasets.forEach((ds, i) => {
      const meta = chart.getDatasetMeta(i);
      if (meta.hidden) return;
      (ds.data as unknown[]).forEach((p, j) => {
        const q = p as { yMin?: number; yMax?: number };
        const el = meta.data[j];
        if (!el || q.yMin === undefined || q.yMax === undefined) return;
        const top = y.getPixelForValue(q.yMax);
        const bottom = y.getPixelForValue(q.yMin);
        ctx.save();
        ctx.strokeStyle = String(ds.borderColor ?? '#000');
        ctx.lineWidth = 2;
        ctx.setLineDash([]);
        ctx.beginPath();
        ctx.moveTo(el.x, top);
        ctx.lineTo(el.x, bottom);
        ctx.moveTo(el.x - 6, top);
        ctx.lineTo(el.x + 6, top);
        ctx.moveTo(el.x - 6, bottom);
        ctx.lineTo(el.x + 6, bottom);
        ctx.stroke();
        ctx.restore();
      });
    });
  },
};

export type AxisKind = 'batch' | 'bytes' | 'ms' | 'flops' | 'error' | 'world' | 'bytes-linear' | 'linear';

/**
 * The ticks a scale shows: `values(min, max)`, thinned to every `stride`-th and those above `above` only
 * (custom scale options that render.ts sets when labels would touch).
 */
function setTicks(values: (min: number, max: number) => number[]) {
  return (axis: Scale) => {
    const o = axis.options as unknown as { stride?: number; above?: number };
    const stride = Number(o.stride ?? 1);
    const v = thin(
      values(axis.min, axis.max).filter((t) => o.above === undefined || t > o.above),
      stride,
    );
    if (v.length >= 2 || (v.length === 1 && stride > 1)) axis.ticks = v.map((value) => ({ value }));
  };
}

const tickFont = { size: 15, family: FONT_FAMILY };
const titleFont = { size: 17, weight: 'bold' as const, family: FONT_FAMILY };

/**
 * A chart.js scale for one axis kind, with a unit-carrying title and round ticks (ticks.ts). `values`:
 * the tick values of a 'world' axis (the W of the data).
 */
export function axis(
  kind: AxisKind,
  title: string,
  range?: { min: number; max: number },
  values?: readonly number[],
): Record<string, unknown> {
  const common = {
    title: { display: true, text: title, font: titleFont, color: '#000' },
    grid: { color: '#dddddd' },
    border: { color: '#000', width: 1.5 },
    ...(range ? { min: range.min, max: range.max } : {}),
  };
  const label = (f: (v: number) => string) => ({
    font: tickFont,
    color: '#000',
    autoSkip: false,
    maxRotation: 0,
    callback: (v: number | string) => f(Number(v)),
  });
  switch (kind) {
    case 'batch':
      return {
        ...common,
        type: 'logarithmic',
        afterBuildTicks: setTicks((a, b) => pow2Ticks(a, b, 10)),
        ticks: label((v) => String(v)),
      };
    case 'bytes':
      return {
        ...common,
        type: 'logarithmic',
        afterBuildTicks: setTicks((a, b) => pow2Ticks(a, b, 9)),
        ticks: label(formatBytesTick),
      };
    case 'ms':
      return {
        ...common,
        type: 'logarithmic',
        afterBuildTicks: setTicks((a, b) => ticks125(a, b)),
        ticks: label(formatMsTick),
      };
    case 'flops':
      return {
        ...common,
        type: 'logarithmic',
        afterBuildTicks: setTicks((a, b) => ticks125(a, b)),
        ticks: label((v) => formatSiTick(v, 'FLOP/s')),
      };
    case 'error':
      return {
        ...common,
        type: 'logarithmic',
        afterBuildTicks: setTicks((a, b) => (decadeTicks(a, b).length >= 2 ? decadeTicks(a, b) : ticks125(a, b, 6))),
        ticks: label(formatErrorTick),
      };
    case 'world': {
      const at = [...new Set(values ?? [])].sort((a, b) => a - b);
      return {
        ...common,
        type: 'linear',
        afterBuildTicks: setTicks((a, b) => (at.length ? at.filter((w) => w >= a && w <= b) : linear125(a, b, 8))),
        ticks: label((v) => String(v)),
      };
    }
    case 'bytes-linear':
      return {
        ...common,
        type: 'linear',
        beginAtZero: true,
        afterBuildTicks: setTicks((a, b) => linear125(a, b, 6, true)),
        ticks: label(formatBytesTick),
      };
    case 'linear':
      return {
        ...common,
        type: 'linear',
        beginAtZero: true,
        afterBuildTicks: setTicks((a, b) => linear125(a, b, 6)),
        ticks: label((v) => String(v)),
      };
  }
}

/** Font of the notes beside not-run markers ("oom: 3.2 GiB predicted"), in canvas units. */
export const NOTE_FONT_SIZE = 13;

/**
 * Writes each not-run marker's note (status and predicted value) beside it, below the top of the axis;
 * notes at the same x are stacked. Left of the marker when it sits in the right half of the plot.
 */
export const notRunNotes: Plugin = {
  id: 'notRunNotes',
  afterDatasetsDraw(chart: Chart) {
    const ctx = chart.ctx;
    const area = chart.chartArea;
    const size = Number((chart.options as { noteFontSize?: number }).noteFontSize ?? NOTE_FONT_SIZE);
    const stacked = new Map<number, number>();
    chart.data.datasets.forEach((ds, i) => {
      const meta = chart.getDatasetMeta(i);
      (ds.data as unknown[]).forEach((p, j) => {
        const note = (p as { note?: string }).note;
        const el = meta.data[j];
        if (!note || !el) return;
        const key = Math.round(el.x);
        const k = stacked.get(key) ?? 0;
        stacked.set(key, k + 1);
        const right = el.x > (area.left + area.right) / 2;
        ctx.save();
        ctx.font = `${size}px ${FONT_FAMILY}`;
        ctx.fillStyle = '#000';
        ctx.textAlign = right ? 'right' : 'left';
        ctx.textBaseline = 'top';
        const x = el.x + (right ? -size * 0.7 : size * 0.7);
        const y = el.y + size * 0.5 + k * size * 1.2;
        const w = ctx.measureText(note).width;
        ctx.fillStyle = 'rgba(255, 255, 255, 0.85)';
        ctx.fillRect(right ? x - w - 2 : x - 2, y - 1, w + 4, size * 1.15);
        ctx.fillStyle = '#000';
        ctx.fillText(note, x, y);
        ctx.restore();
      });
    });
  },
};

/** Options of one panel of a figure: its facet's name as title; legend and subtitle belong to the figure. */
export function baseOptions(
  title: string,
  subtitle: string | null,
  x: Record<string, unknown>,
  y: Record<string, unknown>,
): Record<string, unknown> {
  return {
    animation: false,
    responsive: false,
    maintainAspectRatio: false,
    devicePixelRatio: 1,
    layout: { padding: { top: 10, right: 30, bottom: 10, left: 10 } },
    font: { family: FONT_FAMILY },
    plugins: {
      title: {
        display: true,
        text: title,
        color: '#000',
        font: { size: 18, weight: 'bold', family: FONT_FAMILY },
        padding: { top: 4, bottom: subtitle ? 2 : 8 },
      },
      subtitle: {
        display: !!subtitle,
        text: subtitle ?? '',
        color: '#333',
        font: { size: 15, family: FONT_FAMILY },
        padding: { bottom: 10 },
      },
      legend: {
        display: false,
        position: 'bottom',
        labels: { color: '#000', font: { size: 15, family: FONT_FAMILY }, boxWidth: 48, boxHeight: 2, padding: 14 },
      },
      tooltip: { enabled: false },
    },
    scales: { x, y },
    elements: { line: { borderWidth: 3, tension: 0 }, point: { radius: 5, borderWidth: 2 } },
  };
}
