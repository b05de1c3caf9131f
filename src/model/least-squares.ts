// Least squares for the memory model's calibration (log-log growth fits live in src/report/slope.ts).

/** Non-negative least squares of y ≈ a·u + b·v (two terms), by the normal equations, clamped at 0. */
export function fitTwoTerms(u: number[], v: number[], y: number[]): [number, number] {
  let uu = 0,
    uv = 0,
    vv = 0,
    uy = 0,
    vy = 0;
  for (let i = 0; i < y.length; i++) {
    uu += u[i]! * u[i]!;
    uv += u[i]! * v[i]!;
    vv += v[i]! * v[i]!;
    uy += u[i]! * y[i]!;
    vy += v[i]! * y[i]!;
  }
  const det = uu * vv - uv * uv;
  if (Math.abs(det) < 1e-12 * uu * vv) return [Math.max(0, uy / uu), 0]; // u, v proportional: one term
  const a = (uy * vv - vy * uv) / det;
  const b = (vy * uu - uy * uv) / det;
  if (a < 0) return [0, Math.max(0, vy / vv)];
  if (b < 0) return [Math.max(0, uy / uu), 0];
  return [a, b];
}
