// Look of the charts: print-readable fonts and lines, colour-blind-safe palette, one dash per impl,
// and the tick makers for log axes (powers of two for N and bytes, 1-2-5 for times and rates).
import type { Chart, Plugin, Scale } from 'chart.js';
import { formatBytes, formatMs, formatSi } from '../util/format.js';

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

export const IMPL_DASH: Record<string, number[]> = { naive: [], chunked: [12, 6] };
export const LOSS_POINT: Record<string, 'circle' | 'triangle' | 'rect'> = { clip: 'circle', siglip: 'triangle' };
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

export function pow2Ticks(min: number, max: number, maxCount = 10): number[] {
  const lo = Math.ceil(Math.log2(min));
  const hi = Math.floor(Math.log2(max));
  const step = Math.max(1, Math.ceil((hi - lo + 1) / maxCount));
  const out: number[] = [];
  for (let e = lo; e <= hi; e += step) out.push(2 ** e);
  return out;
}

export function ticks125(min: number, max: number, maxCount = 12): number[] {
  const lo = Math.floor(Math.log10(min));
  const hi = Math.ceil(Math.log10(max));
  const all: number[] = [];
  for (let e = lo; e <= hi; e++) for (const m of [1, 2, 5]) all.push(m * 10 ** e);
  const within = (xs: number[]) => xs.filter((v) => v >= min * (1 - 1e-9) && v <= max * (1 + 1e-9));
  const inRange = within(all);
  if (inRange.length > maxCount) return inRange.filter((v) => Math.abs(Math.log10(v) % 1) < 1e-9);
  if (inRange.length >= 3) return inRange;
  // A narrow range (less than a decade): every 1..9 × 10^k, thinned to maxCount.
  const fine: number[] = [];
  for (let e = lo; e <= hi; e++) for (let m = 1; m <= 9; m++) fine.push(+(m * 10 ** e).toPrecision(6));
  const f = within(fine);
  const step = Math.max(1, Math.ceil(f.length / maxCount));
  return f.filter((_, i) => i % step === 0);
}

export type AxisKind = 'batch' | 'bytes' | 'ms' | 'flops' | 'world' | 'bytes-linear';

function setTicks(values: (min: number, max: number) => number[]) {
  return (axis: Scale) => {
    const v = values(axis.min, axis.max);
    if (v.length >= 2) axis.ticks = v.map((value) => ({ value }));
  };
}

const tickFont = { size: 15, family: FONT_FAMILY };
const titleFont = { size: 17, weight: 'bold' as const, family: FONT_FAMILY };

/** A chart.js scale for one axis kind, with a unit-carrying title. */
export function axis(kind: AxisKind, title: string, range?: { min: number; max: number }): Record<string, unknown> {
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
        ticks: label(formatBytes),
      };
    case 'ms':
      return {
        ...common,
        type: 'logarithmic',
        afterBuildTicks: setTicks((a, b) => ticks125(a, b)),
        ticks: label(formatMs),
      };
    case 'flops':
      return {
        ...common,
        type: 'logarithmic',
        afterBuildTicks: setTicks((a, b) => ticks125(a, b)),
        ticks: label((v) => formatSi(v, 'FLOP/s')),
      };
    case 'world':
      return {
        ...common,
        type: 'linear',
        ticks: { ...label((v) => (Number.isInteger(v) ? String(v) : '')), stepSize: 1, precision: 0 },
      };
    case 'bytes-linear':
      return { ...common, type: 'linear', beginAtZero: true, ticks: label(formatBytes) };
  }
}

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
        font: { size: 24, weight: 'bold', family: FONT_FAMILY },
        padding: { top: 8, bottom: subtitle ? 2 : 12 },
      },
      subtitle: {
        display: !!subtitle,
        text: subtitle ?? '',
        color: '#333',
        font: { size: 15, family: FONT_FAMILY },
        padding: { bottom: 10 },
      },
      legend: {
        position: 'bottom',
        labels: { color: '#000', font: { size: 15, family: FONT_FAMILY }, boxWidth: 48, boxHeight: 2, padding: 14 },
      },
      tooltip: { enabled: false },
    },
    scales: { x, y },
    elements: { line: { borderWidth: 3, tension: 0 }, point: { radius: 5, borderWidth: 2 } },
  };
}
