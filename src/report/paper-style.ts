// The print look of a figure's panel for a paper: one column wide (3.3 in) for the whole figure, text
// at 7–8 pt, thin lines, the panel’s facet name as a small title (the caption carries the figure’s).
// Colours, dashes and markers stay those of chart-style.ts, which are
// colour-blind safe and, through the dash per impl and the marker per loss, readable in greyscale.
import type { LineConfig } from './figure.js';
import { FONT_FAMILY } from './chart-style.js';

/** One column of a two-column paper. */
export const COLUMN_WIDTH_IN = 3.3;
/** The chart is laid out on this many canvas units across, then scaled to COLUMN_WIDTH_IN. */
export const PAPER_UNITS = 400;
/** Points per canvas unit: 72 pt to the inch. Text of 13 units is then 7.7 pt. */
export const PT_PER_UNIT = (COLUMN_WIDTH_IN * 72) / PAPER_UNITS;

const font = (size: number, weight: 'normal' | 'bold' = 'normal') => ({ size, weight, family: FONT_FAMILY });

type Options = Record<string, any>;

/** A long axis title on two lines, its parenthesis (units, scale) on the second: a column is narrow. */
function twoLines(text: unknown): unknown {
  if (typeof text !== 'string' || text.length <= 24 || !text.includes(' (')) return text;
  const at = text.indexOf(' (');
  return [text.slice(0, at), text.slice(at + 1)];
}

function scale(s: Options | undefined): Options | undefined {
  if (!s) return s;
  return {
    ...s,
    title: { ...s.title, text: twoLines(s.title?.text), font: font(12), padding: 1 },
    ticks: { ...s.ticks, font: font(11.5), padding: 2 },
    border: { ...s.border, width: 1 },
    grid: { ...s.grid, lineWidth: 0.6 },
  };
}

/** A copy of the configuration with the print look; the data and its styling keys stay as they are. */
export function forPaper(config: LineConfig): LineConfig {
  const o = (config.options ?? {}) as Options;
  const plugins = (o.plugins ?? {}) as Options;
  const options: Options = {
    ...o,
    layout: { padding: { top: 2, right: 8, bottom: 2, left: 2 } },
    noteFontSize: 9,
    plugins: {
      ...plugins,
      title: { ...plugins.title, font: font(12, 'bold'), padding: { top: 0, bottom: 3 } },
      subtitle: { ...plugins.subtitle, display: false },
      legend: {
        ...plugins.legend,
        labels: { ...plugins.legend?.labels, font: font(12), boxWidth: 30, boxHeight: 2, padding: 6 },
      },
    },
    scales: { x: scale(o.scales?.x), y: scale(o.scales?.y) },
    elements: { line: { borderWidth: 1.6, tension: 0 }, point: { radius: 3, borderWidth: 1.2 } },
  };
  const datasets = config.data.datasets.map((d) => {
    const x = d as Options;
    const notRun = typeof x.pointRadius === 'number' && x.pointRadius > 5;
    return {
      ...x,
      ...(x.borderWidth !== undefined ? { borderWidth: Math.min(1.6, x.borderWidth) } : {}),
      ...(typeof x.pointRadius === 'number' ? { pointRadius: x.pointRadius === 0 ? 0 : notRun ? 5 : 3 } : {}),
      ...(x.pointBorderWidth !== undefined ? { pointBorderWidth: 1.6 } : {}),
    } as (typeof config.data.datasets)[number];
  });
  return { ...config, data: { ...config.data, datasets }, options: options as LineConfig['options'] };
}
