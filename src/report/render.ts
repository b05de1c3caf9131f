// Renders figures (figure.ts) on @napi-rs/canvas (no DOM, no native download at install): a PNG raster,
// an SVG (text converted to paths) and, for papers, a vector PDF one column wide through Skia's PDF
// backend (fonts embedded as subsets). A figure's panels are chart.js charts laid out in a grid whose
// plot areas line up (same size, same left and top edges per column and row), the legend below them
// all. Tick labels never touch: a scale whose labels would is thinned to every 2nd, 3rd… tick and laid
// out again, and tickLabelBoxes() gives the boxes a test checks.
import { Chart, registerables, type Scale } from 'chart.js';
import { drawPoint } from 'chart.js/helpers';
import { createCanvas, PDFDocument, SvgExportFlag, type SKRSContext2D } from '@napi-rs/canvas';
import { FONT_FAMILY } from './chart-style.js';
import type { ChartPoint, ChartSpec, LegendItem, LineConfig } from './figure.js';
import { forPaper, PAPER_UNITS, PT_PER_UNIT } from './paper-style.js';

let registered = false;
function ensureRegistered(): void {
  if (!registered) {
    Chart.register(...registerables);
    registered = true;
  }
}

/** How a figure looks: the screen (report.html, PNG/SVG) or a paper's column (PDF). */
export interface Look {
  /** Width in canvas units. */
  width: number;
  /** Device pixels (or points) per canvas unit. */
  scale: number;
  /** Height of each panel's plot area, by the number of panel rows. */
  plotHeight: (rows: number) => number;
  /** Title and subtitle drawn above the panels (a paper's caption carries them instead). */
  title: boolean;
  titleSize: number;
  subtitleSize: number;
  legendSize: number;
  /** Length of the line sample in a legend entry. */
  sample: number;
  margin: number;
  /** The panel configuration in this look. */
  panel: (c: LineConfig) => LineConfig;
}

export const SCREEN: Look = {
  width: 1200,
  scale: 1,
  plotHeight: (rows) => (rows === 1 ? 440 : 300),
  title: true,
  titleSize: 24,
  subtitleSize: 15,
  legendSize: 16,
  sample: 48,
  margin: 12,
  panel: (c) => c,
};

export const PAPER: Look = {
  width: PAPER_UNITS,
  scale: PT_PER_UNIT,
  plotHeight: (rows) => (rows === 1 ? 150 : 105),
  title: false,
  titleSize: 0,
  subtitleSize: 0,
  legendSize: 11.5,
  sample: 26,
  margin: 3,
  panel: forPaper,
};

/** chart.js mutates its config (defaults merged in): each chart gets its own copy of data and scales. */
function fresh(config: LineConfig, extra: Record<string, unknown> = {}): LineConfig {
  const o = config.options as Record<string, any>;
  return {
    ...config,
    data: { datasets: config.data.datasets.map((d) => ({ ...d, data: d.data.map((p) => ({ ...p })) })) },
    options: {
      ...o,
      scales: { x: { ...o.scales?.x }, y: { ...o.scales?.y } },
      layout: { ...o.layout },
      ...extra,
    } as LineConfig['options'],
  };
}

interface Box {
  value: number;
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  label: string;
}

/** The boxes of a scale's tick labels, in the chart's units (after layout). */
function scaleTickBoxes(scale: Scale): Box[] {
  const s = scale as Scale & { _resolveTickFontOptions(i: number): { string: string; lineHeight: number } };
  const ctx = scale.ctx;
  const opts = (scale.options as unknown as { ticks: { padding?: number; display?: boolean } }).ticks;
  if (opts.display === false) return [];
  const pad = Number(opts.padding ?? 3);
  return scale.ticks.flatMap((t, i) => {
    const label = String(t.label ?? '');
    if (!label) return [];
    const font = s._resolveTickFontOptions(i);
    ctx.save();
    ctx.font = font.string;
    const w = ctx.measureText(label).width;
    ctx.restore();
    const at = scale.getPixelForTick(i);
    const h = font.lineHeight;
    const value = t.value;
    if (scale.isHorizontal())
      return [{ value, x0: at - w / 2, x1: at + w / 2, y0: scale.top + pad, y1: scale.top + pad + h, label }];
    return [{ value, x0: scale.right - pad - w, x1: scale.right - pad, y0: at - h / 2, y1: at + h / 2, label }];
  });
}

const GAP = 2;
const overlaps = (a: Box, b: Box, gap = 0) =>
  a.x0 < b.x1 + gap && b.x0 < a.x1 + gap && a.y0 < b.y1 + gap && b.y0 < a.y1 + gap;

function crowded(boxes: Box[]): boolean {
  for (let i = 0; i < boxes.length; i++)
    for (let j = i + 1; j < boxes.length; j++) if (overlaps(boxes[i]!, boxes[j]!, GAP)) return true;
  return false;
}

/** A chart on a scratch raster of w×h units; `use` reads it, then it is destroyed. */
function onScratch<T>(config: LineConfig, w: number, h: number, use: (c: Chart<'line', ChartPoint[]>) => T): T {
  const canvas = createCanvas(Math.ceil(w), Math.ceil(h));
  const chart = new Chart(
    canvas.getContext('2d') as unknown as CanvasRenderingContext2D,
    fresh(config, { devicePixelRatio: 1 }),
  );
  try {
    return use(chart);
  } finally {
    chart.destroy();
  }
}

interface Placed {
  config: LineConfig;
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface FigureLayout {
  width: number;
  height: number;
  panels: Placed[];
  titleLines: string[];
  subtitleLines: string[];
  legend: { placed: { item: LegendItem; x: number; y: number; lines: string[] }[]; lineHeight: number };
}

const measureCtx = createCanvas(10, 10).getContext('2d');
function textWidth(text: string, size: number, weight = ''): number {
  measureCtx.font = `${weight} ${size}px ${FONT_FAMILY}`.trim();
  return measureCtx.measureText(text).width;
}

/** Words wrapped to lines no wider than `width`. */
function wrap(text: string, size: number, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const next = line ? `${line} ${word}` : word;
    if (line && textWidth(next, size) > width) {
      lines.push(line);
      line = word;
    } else line = next;
  }
  if (line) lines.push(line);
  return lines;
}

/** A copy of the panel with its scales thinned to every stride-th tick (1: all). */
function withStrides(config: LineConfig, x: number, y: number, yAbove: number | undefined): LineConfig {
  const o = config.options as Record<string, any>;
  return {
    ...config,
    options: {
      ...o,
      scales: { x: { ...o.scales?.x, stride: x }, y: { ...o.scales?.y, stride: y, above: yAbove } },
    } as LineConfig['options'],
  };
}

/**
 * Where every panel, the title and the legend go, in canvas units. Panels share their x axis, and each
 * row its y axis: when any panel's tick labels on an axis would touch, that axis is thinned in all
 * of them (every 2nd tick, then 3rd…) and the figure laid out again.
 */
export function layoutFigure(spec: ChartSpec, look: Look): FigureLayout {
  ensureRegistered();
  let xStride = 1;
  const yStride = Array.from({ length: spec.rows }, () => 1);
  const yAbove: (number | undefined)[] = Array.from({ length: spec.rows }, () => undefined);
  for (let round = 0; ; round++) {
    const lay = layoutOnce(spec, look, xStride, yStride, yAbove);
    let again = false;
    lay.panels.forEach((p, i) => {
      const row = spec.panels[i]!.row;
      const { bad, corner } = onScratch(p.config, p.w, p.h, (chart) => {
        const boxes = {
          x: chart.scales.x ? scaleTickBoxes(chart.scales.x) : [],
          y: chart.scales.y ? scaleTickBoxes(chart.scales.y) : [],
        };
        // A y label low enough to meet an x label (the corner of the plot): the y axis starts above it.
        const low = boxes.y.filter((b) => boxes.x.some((a) => overlaps(a, b, GAP))).map((b) => b.value);
        return {
          bad: (['x', 'y'] as const).filter((id) => crowded(boxes[id])),
          corner: low.length ? Math.max(...low) : undefined,
        };
      });
      if (corner !== undefined && (yAbove[row] === undefined || corner > yAbove[row]!)) {
        yAbove[row] = corner;
        again = true;
      }
      if (bad.includes('x') && xStride === Number((p.config.options as any).scales.x.stride)) {
        xStride++;
        again = true;
      }
      if (bad.includes('y') && yStride[row] === Number((p.config.options as any).scales.y.stride)) {
        yStride[row]!++;
        again = true;
      }
    });
    if (!again || round >= 6) return lay;
  }
}

function layoutOnce(
  spec: ChartSpec,
  look: Look,
  xStride: number,
  yStride: number[],
  yAbove: (number | undefined)[],
): FigureLayout {
  const inner = look.width - 2 * look.margin;
  const cols = Math.max(1, spec.columns);
  const plotH = look.plotHeight(spec.rows);
  const guessW = inner / cols;
  // Each panel at its provisional size: thinned ticks, then the room its axes and title take around the plot.
  const measured = spec.panels.map((p) => {
    const config = withStrides(look.panel(p.config), xStride, yStride[p.row] ?? 1, yAbove[p.row]);
    let around = { left: 0, right: 0, top: 0, bottom: 0 };
    for (let pass = 0; pass < 2; pass++) {
      const h = plotH + (pass ? around.top + around.bottom : 160);
      const w = guessW;
      around = onScratch(config, w, h, (c) => ({
        left: c.chartArea.left,
        right: w - c.chartArea.right,
        top: c.chartArea.top,
        bottom: h - c.chartArea.bottom,
      }));
    }
    return { p, config, around };
  });
  const maxOf = (f: (m: (typeof measured)[number]) => number, keep: (m: (typeof measured)[number]) => boolean) =>
    Math.max(0, ...measured.filter(keep).map(f));
  const colLeft = Array.from({ length: cols }, (_, c) =>
    maxOf(
      (m) => m.around.left,
      (m) => m.p.column === c,
    ),
  );
  const colRight = Array.from({ length: cols }, (_, c) =>
    maxOf(
      (m) => m.around.right,
      (m) => m.p.column === c,
    ),
  );
  const rowTop = Array.from({ length: spec.rows }, (_, r) =>
    maxOf(
      (m) => m.around.top,
      (m) => m.p.row === r,
    ),
  );
  const rowBottom = Array.from({ length: spec.rows }, (_, r) =>
    maxOf(
      (m) => m.around.bottom,
      (m) => m.p.row === r,
    ),
  );
  const plotW = (inner - colLeft.reduce((a, b) => a + b, 0) - colRight.reduce((a, b) => a + b, 0)) / cols;

  const titleLines = look.title ? wrap(spec.title, look.titleSize, inner) : [];
  const subtitleLines = look.title && spec.subtitle ? wrap(spec.subtitle, look.subtitleSize, inner) : [];
  let y = look.margin + titleLines.length * look.titleSize * 1.3 + subtitleLines.length * look.subtitleSize * 1.3;
  if (look.title) y += look.subtitleSize * 0.6;
  const rowY: number[] = [];
  for (let r = 0; r < spec.rows; r++) {
    rowY.push(y);
    y += rowTop[r]! + plotH + rowBottom[r]!;
  }
  const colX: number[] = [];
  let x = look.margin;
  for (let c = 0; c < cols; c++) {
    colX.push(x);
    x += colLeft[c]! + plotW + colRight[c]!;
  }
  const panels: Placed[] = measured.map(({ p, config, around }) => {
    const o = config.options as Record<string, any>;
    const pad = o.layout?.padding ?? {};
    const num = (v: unknown) => (typeof v === 'number' ? v : 0);
    // Extra padding so that this panel's plot area sits where its column's and row's do.
    const padding = {
      left: num(pad.left) + colLeft[p.column]! - around.left,
      right: num(pad.right) + colRight[p.column]! - around.right,
      top: num(pad.top) + rowTop[p.row]! - around.top,
      bottom: num(pad.bottom) + rowBottom[p.row]! - around.bottom,
    };
    return {
      config: { ...config, options: { ...o, layout: { ...o.layout, padding } } as LineConfig['options'] },
      x: colX[p.column]!,
      y: rowY[p.row]!,
      w: colLeft[p.column]! + plotW + colRight[p.column]!,
      h: rowTop[p.row]! + plotH + rowBottom[p.row]!,
    };
  });

  // The legend: entries flow left to right in rows, each as wide as it needs.
  const size = look.legendSize;
  const lineHeight = size * 1.45;
  const legendY = y + size * 0.5;
  const placed: { item: LegendItem; x: number; y: number; lines: string[] }[] = [];
  const textRoom = inner - look.sample - size * 0.6;
  let lx = look.margin;
  let ly = legendY;
  let rowLines = 1;
  for (const item of spec.legend) {
    // A label wider than the figure wraps onto lines of its own.
    const lines = textWidth(item.label, size) > textRoom ? wrap(item.label, size, textRoom) : [item.label];
    const w = look.sample + size * 0.6 + Math.max(...lines.map((l) => textWidth(l, size))) + size * 1.4;
    if (lx > look.margin && lx + w > look.margin + inner) {
      lx = look.margin;
      ly += lineHeight * rowLines;
      rowLines = 1;
    }
    placed.push({ item, x: lx, y: ly, lines });
    rowLines = Math.max(rowLines, lines.length);
    lx += w;
  }
  const height = (spec.legend.length ? ly + lineHeight * rowLines : y) + look.margin;
  return {
    width: look.width,
    height: Math.ceil(height),
    panels,
    titleLines,
    subtitleLines,
    legend: { placed, lineHeight },
  };
}

/**
 * A context that draws at (dx, dy) of `target`: chart.js sets its own transform (its device pixel
 * ratio) and clears "its" canvas when destroyed; here the transform keeps the offset and clearing is
 * left out (the figure paints its background once).
 */
function offsetContext(target: SKRSContext2D, dx: number, dy: number, scale: number, canvas: object): unknown {
  return new Proxy(target, {
    get(t, prop) {
      if (prop === 'canvas') return canvas;
      if (prop === 'setTransform')
        return (a: number, b: number, c: number, d: number, e: number, f: number) =>
          t.setTransform(a, b, c, d, e + dx * scale, f + dy * scale);
      if (prop === 'resetTransform') return () => t.setTransform(scale, 0, 0, scale, dx * scale, dy * scale);
      if (prop === 'clearRect') return () => undefined;
      const v = (t as unknown as Record<string | symbol, unknown>)[prop];
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
    },
    set(t, prop, value) {
      (t as unknown as Record<string | symbol, unknown>)[prop] = value;
      return true;
    },
  });
}

function drawLegend(ctx: SKRSContext2D, lay: FigureLayout, look: Look): void {
  const { placed, lineHeight } = lay.legend;
  const size = look.legendSize;
  ctx.save();
  ctx.font = `${size}px ${FONT_FAMILY}`;
  ctx.textBaseline = 'middle';
  ctx.textAlign = 'left';
  placed.forEach(({ item, x: cx, y: top, lines }) => {
    const cy = top + lineHeight / 2;
    ctx.strokeStyle = item.colour;
    ctx.fillStyle = item.colour;
    if (item.line) {
      ctx.lineWidth = look === PAPER ? 1.6 : 3;
      ctx.setLineDash(item.dash.map((v) => (look === PAPER ? v * 0.6 : v)));
      ctx.beginPath();
      ctx.moveTo(cx, cy);
      ctx.lineTo(cx + look.sample, cy);
      ctx.stroke();
      ctx.setLineDash([]);
    }
    if (item.point) {
      ctx.lineWidth = look === PAPER ? 1.2 : 2;
      const radius = item.point === 'crossRot' ? size * 0.45 : size * 0.3;
      drawPoint(
        ctx as unknown as CanvasRenderingContext2D,
        { pointStyle: item.point as never, radius, rotation: 0, borderWidth: 1 },
        cx + look.sample / 2,
        cy,
      );
    }
    ctx.fillStyle = '#000';
    lines.forEach((l, i) => ctx.fillText(l, cx + look.sample + size * 0.6, cy + i * lineHeight));
  });
  ctx.restore();
}

/** Draws the whole figure on `ctx`, whose units are scaled by look.scale. */
function drawFigure(ctx: SKRSContext2D, spec: ChartSpec, look: Look, lay: FigureLayout): void {
  const s = look.scale;
  ctx.setTransform(s, 0, 0, s, 0, 0);
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, lay.width, lay.height);
  for (const p of lay.panels) {
    const canvas: { width: number; height: number; getContext?: () => unknown } = { width: p.w, height: p.h };
    const proxy = offsetContext(ctx, p.x, p.y, s, canvas);
    canvas.getContext = () => proxy;
    (proxy as SKRSContext2D).setTransform(s, 0, 0, s, 0, 0);
    const chart = new Chart(proxy as CanvasRenderingContext2D, fresh(p.config, { devicePixelRatio: s }));
    chart.destroy();
  }
  ctx.setTransform(s, 0, 0, s, 0, 0);
  ctx.fillStyle = '#000';
  ctx.textAlign = 'left';
  ctx.textBaseline = 'top';
  let y = look.margin;
  ctx.font = `bold ${look.titleSize}px ${FONT_FAMILY}`;
  for (const l of lay.titleLines) {
    ctx.fillText(l, look.margin, y);
    y += look.titleSize * 1.3;
  }
  ctx.font = `${look.subtitleSize}px ${FONT_FAMILY}`;
  ctx.fillStyle = '#333';
  for (const l of lay.subtitleLines) {
    ctx.fillText(l, look.margin, y);
    y += look.subtitleSize * 1.3;
  }
  drawLegend(ctx, lay, look);
}

export function renderPng(spec: ChartSpec, look: Look = SCREEN): Buffer {
  const lay = layoutFigure(spec, look);
  const canvas = createCanvas(Math.ceil(lay.width * look.scale), Math.ceil(lay.height * look.scale));
  drawFigure(canvas.getContext('2d'), spec, look, lay);
  return canvas.toBuffer('image/png');
}

export function renderSvg(spec: ChartSpec, look: Look = SCREEN): string {
  const lay = layoutFigure(spec, look);
  const canvas = createCanvas(
    Math.ceil(lay.width * look.scale),
    Math.ceil(lay.height * look.scale),
    SvgExportFlag.ConvertTextToPaths,
  );
  drawFigure(canvas.getContext('2d'), spec, look, lay);
  return canvas.getContent().toString('utf8');
}

/** A one-page vector PDF of the figure in the paper look: one column (PAPER_UNITS) wide, as tall as it needs. */
export function renderPdf(spec: ChartSpec, meta: { title?: string } = {}): Buffer {
  const lay = layoutFigure(spec, PAPER);
  const doc = new PDFDocument({ title: meta.title, creator: 'lossbench' });
  const ctx = doc.beginPage(lay.width * PAPER.scale, lay.height * PAPER.scale);
  drawFigure(ctx as unknown as SKRSContext2D, spec, PAPER, lay);
  doc.endPage();
  return doc.close();
}

/**
 * Every tick label's box, in figure units, as laid out in `look` (each panel's chart laid out at its
 * place): what a test checks for overlaps, across panels too.
 */
export function tickLabelBoxes(spec: ChartSpec, look: Look): (Box & { panel: number; axis: string })[] {
  const lay = layoutFigure(spec, look);
  return lay.panels.flatMap((p, i) =>
    onScratch(p.config, p.w, p.h, (chart) =>
      (['x', 'y'] as const).flatMap((id) =>
        chart.scales[id]
          ? scaleTickBoxes(chart.scales[id]!).map((b) => ({
              ...b,
              x0: b.x0 + p.x,
              x1: b.x1 + p.x,
              y0: b.y0 + p.y,
              y1: b.y1 + p.y,
              panel: i,
              axis: id,
            }))
          : [],
      ),
    ),
  );
}

/** Pairs of tick labels whose boxes (from tickLabelBoxes) intersect: none, in a readable figure. */
export function overlappingTickLabels(spec: ChartSpec, boxes: ReturnType<typeof tickLabelBoxes>): string[] {
  const out: string[] = [];
  for (let i = 0; i < boxes.length; i++)
    for (let j = i + 1; j < boxes.length; j++)
      if (overlaps(boxes[i]!, boxes[j]!))
        out.push(
          `${spec.name}: panel ${boxes[i]!.panel} ${boxes[i]!.axis} "${boxes[i]!.label}" × panel ${boxes[j]!.panel} ${boxes[j]!.axis} "${boxes[j]!.label}"`,
        );
  return out;
}
