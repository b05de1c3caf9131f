// Least-squares fit of log(y) = slope·log(x) + intercept: the scaling exponent of y in x.

export interface XY {
  x: number;
  y: number;
}

export interface LogLogFit {
  slope: number;
  /** Natural-log intercept: y ≈ exp(intercept) · x^slope. */
  intercept: number;
  /** Points used (positive x and y only). */
  points: number;
}

/** Null when fewer than 2 usable points or all x equal (no slope is defined). */
export function fitLogLog(points: readonly XY[]): LogLogFit | null {
  const p = points.filter((q) => q.x > 0 && q.y > 0 && Number.isFinite(q.x) && Number.isFinite(q.y));
  if (p.length < 2) return null;
  const lx = p.map((q) => Math.log(q.x));
  const ly = p.map((q) => Math.log(q.y));
  const mx = lx.reduce((a, b) => a + b, 0) / p.length;
  const my = ly.reduce((a, b) => a + b, 0) / p.length;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < p.length; i++) {
    sxx += (lx[i]! - mx) ** 2;
    sxy += (lx[i]! - mx) * (ly[i]! - my);
  }
  if (sxx === 0) return null;
  const slope = sxy / sxx;
  return { slope, intercept: my - slope * mx, points: p.length };
}
