// Writes every chart as charts/<name>.png and charts/<name>.svg; returns the PNGs for embedding.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChartSpec } from './figure.js';
import { renderPng, renderSvg } from './render.js';

export interface WrittenChart {
  spec: ChartSpec;
  png: Buffer;
  pngPath: string;
  svgPath: string;
}

export function writeCharts(dir: string, specs: readonly ChartSpec[]): WrittenChart[] {
  const chartsDir = join(dir, 'charts');
  mkdirSync(chartsDir, { recursive: true });
  return specs.map((spec) => {
    const png = renderPng(spec);
    const pngPath = join(chartsDir, `${spec.name}.png`);
    const svgPath = join(chartsDir, `${spec.name}.svg`);
    writeFileSync(pngPath, png);
    writeFileSync(svgPath, renderSvg(spec));
    return { spec, png, pngPath, svgPath };
  });
}
