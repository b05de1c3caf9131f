// Renders chart.js configurations on @napi-rs/canvas (no DOM, no native download at install): one PNG
// raster, one SVG (text converted to paths, so it looks the same without the fonts), and for papers a
// vector PDF through Skia's PDF backend (its fonts embedded as subsets).
import { Chart, registerables } from 'chart.js';
import { createCanvas, PDFDocument, SvgExportFlag, type Canvas } from '@napi-rs/canvas';
import { CHART_HEIGHT, CHART_WIDTH } from './chart-style.js';
import type { LineConfig } from './charts.js';
import { PAPER_PLOT_HEIGHT, PAPER_UNITS, PT_PER_UNIT } from './paper-style.js';

let registered = false;
function ensureRegistered(): void {
  if (!registered) {
    Chart.register(...registerables);
    registered = true;
  }
}

/** chart.js mutates its config (defaults merged in): each render gets its own shallow copy of the data. */
function fresh(config: LineConfig): LineConfig {
  return {
    ...config,
    data: { datasets: config.data.datasets.map((d) => ({ ...d, data: d.data.map((p) => ({ ...p })) })) },
  };
}

/** Draws, lets `encode` read the canvas, then destroys the chart (destroy clears the canvas). */
function drawThen<T>(ctx: unknown, config: LineConfig, encode: () => T): T {
  const chart = new Chart(ctx as CanvasRenderingContext2D, fresh(config));
  try {
    return encode();
  } finally {
    chart.destroy();
  }
}

export function renderPng(config: LineConfig, width = CHART_WIDTH, height = CHART_HEIGHT): Buffer {
  ensureRegistered();
  const canvas = createCanvas(width, height);
  return drawThen(canvas.getContext('2d'), config, () => canvas.toBuffer('image/png'));
}

export function renderSvg(config: LineConfig, width = CHART_WIDTH, height = CHART_HEIGHT): string {
  ensureRegistered();
  const canvas = createCanvas(width, height, SvgExportFlag.ConvertTextToPaths);
  return drawThen(canvas.getContext('2d'), config, () => canvas.getContent().toString('utf8'));
}

/**
 * A one-page vector PDF of `config` (give it the paper look first: paper-style.ts), PAPER_UNITS wide
 * scaled to the column, and as tall as the plot area of PAPER_PLOT_HEIGHT units plus its axes and legend
 * need (measured by laying the chart out once on a tall raster canvas).
 */
export function renderPdf(config: LineConfig, meta: { title?: string } = {}): Buffer {
  ensureRegistered();
  const height = Math.ceil(PAPER_PLOT_HEIGHT + measureAround(createCanvas(PAPER_UNITS, 4000), config));
  const doc = new PDFDocument({ title: meta.title, creator: 'lossbench' });
  const ctx = doc.beginPage(PAPER_UNITS * PT_PER_UNIT, height * PT_PER_UNIT);
  // chart.js takes its size from ctx.canvas, which a PDF page's context lacks: a stand-in gives it the
  // layout size, and devicePixelRatio scales that layout onto the page (chart.js sets the transform).
  Object.defineProperty(ctx, 'canvas', {
    value: { width: PAPER_UNITS, height, getContext: () => ctx },
    configurable: true,
  });
  const scaled = { ...config, options: { ...config.options, devicePixelRatio: PT_PER_UNIT } } as LineConfig;
  drawThen(ctx, scaled, () => undefined);
  doc.endPage();
  return doc.close();
}

/** Canvas units the chart spends outside its plot area (axes, legend, padding) at PAPER_UNITS wide. */
function measureAround(canvas: Canvas, config: LineConfig): number {
  const chart = new Chart(canvas.getContext('2d') as unknown as CanvasRenderingContext2D, fresh(config));
  try {
    return canvas.height - chart.chartArea.height;
  } finally {
    chart.destroy();
  }
}
