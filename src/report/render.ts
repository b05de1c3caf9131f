// Renders chart.js configurations on @napi-rs/canvas (no DOM, no native download at install): one PNG
// raster and one SVG (text converted to paths, so it looks the same without the fonts).
import { Chart, registerables } from 'chart.js';
import { createCanvas, SvgExportFlag } from '@napi-rs/canvas';
import { CHART_HEIGHT, CHART_WIDTH } from './chart-style.js';
import type { LineConfig } from './charts.js';

let registered = false;
function ensureRegistered(): void {
  if (!registered) {
    Chart.register(...registerables);
    registered = true;
  }
}

/** chart.js mutates its config (defaults merged in): each render gets its own shallow copy of the data. */
function fresh(config: LineConfig): LineConfig {
  return { ...config, data: { datasets: config.data.datasets.map((d) => ({ ...d, data: d.data.map((p) => ({ ...p })) })) } };
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
