// Scaling checks: does peak memory grow with N (or W) the way the implementation promises? And the
// regression check of a run against an earlier one.
import { fitLogLog, type XY } from './slope.js';
import { distinct, isOk, type Row } from './series.js';

export type Verdict = 'PASS' | 'FAIL' | 'n/a';

export interface ScalingCheck {
  /** What is held fixed, e.g. "clip chunked single, D=256, c=128, W=1" (naive series name no c). */
  series: string;
  loss: string;
  impl: string;
  strategy: string;
  /** The variable the slope is over. */
  over: 'N' | 'W';
  slope: number | null;
  expected: number;
  tolerance: number;
  /** Points used by the fit: (N or W, peak_tensor_bytes). */
  points: XY[];
  verdict: Verdict;
  note: string;
}

export const SLOPE_TOLERANCE = 0.3;
export const MIN_POINTS = 3;

/** The rule, stated once so the report prints exactly what the code does. */
export const CHECK_RULE =
  `Slope = least-squares fit of log(peak_tensor_bytes) over log(N) per loss × impl × strategy at fixed D, c and W, ` +
  `on ok points where the loss's own memory dominates: N ≥ D for naive (expected slope 2), ` +
  `N ≥ max(4·c, 2·D) for chunked (expected slope 1). Ring strategies are also fitted over W at fixed local batch b ` +
  `(all ok points; expected slope 0: per-device memory must not grow with W). ` +
  `Tolerance ±${SLOPE_TOLERANCE}; fewer than ${MIN_POINTS} points → n/a (too few points).`;

/** Whether a point at this N is in the regime where the loss's memory dominates (see CHECK_RULE). */
export function inFitRegime(r: Pick<Row, 'impl' | 'n' | 'dim' | 'chunk'>): boolean {
  return r.chunk === null ? r.n >= r.dim : r.n >= Math.max(4 * r.chunk, 2 * r.dim);
}

export function expectedSlopeOverN(impl: string): number {
  return impl === 'naive' ? 2 : 1;
}

function verdictOf(
  slope: number | null,
  points: number,
  expected: number,
  tol: number,
): { verdict: Verdict; note: string } {
  if (points < MIN_POINTS || slope === null)
    return { verdict: 'n/a', note: `too few points (${points} < ${MIN_POINTS})` };
  return Math.abs(slope - expected) <= tol
    ? { verdict: 'PASS', note: '' }
    : { verdict: 'FAIL', note: `slope off by ${(slope - expected).toFixed(2)}` };
}

function groupBy<T>(xs: readonly T[], key: (x: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const x of xs) {
    const k = key(x);
    const g = m.get(k);
    if (g) g.push(x);
    else m.set(k, [x]);
  }
  return m;
}

/** Slope of memory over N on the fit-regime ok points of one series (null if under 2 points). */
export function memorySlopeOverN(rows: readonly Row[]): { slope: number | null; points: XY[] } {
  const points = rows
    .filter((r) => isOk(r) && inFitRegime(r) && r.peak_tensor_bytes !== null && r.peak_tensor_bytes > 0)
    .map((r) => ({ x: r.n, y: r.peak_tensor_bytes! }));
  const distinctX = distinct(points.map((p) => p.x)).length;
  return { slope: distinctX >= 2 ? (fitLogLog(points)?.slope ?? null) : null, points };
}

/** ", c=<c>" for a chunked series; nothing for a naive one (no tile width). */
const tiled = (r: Row) => (r.chunk === null ? '' : `, c=${r.chunk}`);
/** "<machine>: " in a compare, nothing in a single run's report. */
const runOf = (r: Row) => (r.run ? `${r.run}: ` : '');

export function scalingChecks(rows: readonly Row[]): ScalingCheck[] {
  const out: ScalingCheck[] = [];
  const tol = SLOPE_TOLERANCE;
  // Over N at fixed D, c, W.
  const overN = groupBy(
    rows,
    (r) => `${r.run ?? ''}|${r.loss}|${r.impl}|${r.strategy}|${r.dim}|${r.chunk ?? '—'}|${r.world}`,
  );
  for (const g of overN.values()) {
    const r0 = g[0]!;
    if (distinct(g.map((r) => r.n)).length < 2) continue; // N does not vary: not a sweep over N
    const expected = expectedSlopeOverN(r0.impl);
    const { slope, points } = memorySlopeOverN(g);
    const nPoints = distinct(points.map((p) => p.x)).length;
    out.push({
      series: `${runOf(r0)}${r0.loss} ${r0.impl} ${r0.strategy}, D=${r0.dim}${tiled(r0)}, W=${r0.world}`,
      loss: r0.loss,
      impl: r0.impl,
      strategy: r0.strategy,
      over: 'N',
      slope,
      expected,
      tolerance: tol,
      points,
      ...verdictOf(slope, nPoints, expected, tol),
    });
  }
  // Over W at fixed local batch b, for ring strategies only (their per-device memory is independent of W).
  const ring = rows.filter((r) => r.strategy.startsWith('ring'));
  const overW = groupBy(
    ring,
    (r) => `${r.run ?? ''}|${r.loss}|${r.impl}|${r.strategy}|${r.dim}|${r.chunk ?? '—'}|${r.local_batch}`,
  );
  for (const g of overW.values()) {
    const r0 = g[0]!;
    if (distinct(g.map((r) => r.world)).length < 2) continue; // W does not vary: nothing to check over W
    const points = g
      .filter((r) => isOk(r) && r.peak_tensor_bytes !== null && r.peak_tensor_bytes > 0)
      .map((r) => ({ x: r.world, y: r.peak_tensor_bytes! }));
    const nPoints = distinct(points.map((p) => p.x)).length;
    const slope = nPoints >= 2 ? (fitLogLog(points)?.slope ?? null) : null;
    out.push({
      series: `${runOf(r0)}${r0.loss} ${r0.impl} ${r0.strategy}, D=${r0.dim}${tiled(r0)}, b=${r0.local_batch}`,
      loss: r0.loss,
      impl: r0.impl,
      strategy: r0.strategy,
      over: 'W',
      slope,
      expected: 0,
      tolerance: tol,
      points,
      ...verdictOf(slope, nPoints, 0, tol),
    });
  }
  return out.sort((a, b) => a.series.localeCompare(b.series) || a.over.localeCompare(b.over));
}

export interface RegressionCheck {
  id: string;
  /** 'status': the scenario ran ok in the baseline and does not now (always a FAIL). */
  metric: 'step_ms_median' | 'peak_tensor_bytes' | 'status';
  /** The baseline's value; for 'status' the baseline's status ('ok'). */
  baseline: number | string;
  /** The current value; for 'status' the current status (oom, error, timeout, ...). */
  current: number | string;
  /** current / baseline; null for 'status'. */
  ratio: number | null;
  /** Largest ratio allowed; null for 'status'. */
  tolerance: number | null;
  verdict: Exclude<Verdict, 'n/a'>;
  /** What changed, e.g. "ok → oom: RSS over the limit"; '' for the numeric metrics. */
  note: string;
}

export interface RegressionOptions {
  /** Largest allowed ratio of step_ms_median (default 1.25). */
  timeTolerance?: number;
  /** Largest allowed ratio of peak_tensor_bytes (default 1.10). */
  memoryTolerance?: number;
}

export const DEFAULT_TIME_TOLERANCE = 1.25;
export const DEFAULT_MEMORY_TOLERANCE = 1.1;

/**
 * Compares scenarios present (by id) in both runs that ran ok in the baseline: step time and peak memory
 * when they ran ok now too, and a FAILed 'status' check when they no longer run ok (oom, error, timeout, ...).
 * Scenarios in only one run, or not ok in the baseline, are not compared.
 */
export function regressionChecks(
  current: readonly Row[],
  baseline: readonly Row[],
  opts: RegressionOptions = {},
): RegressionCheck[] {
  const tolFor = {
    step_ms_median: opts.timeTolerance ?? DEFAULT_TIME_TOLERANCE,
    peak_tensor_bytes: opts.memoryTolerance ?? DEFAULT_MEMORY_TOLERANCE,
  };
  const base = new Map(baseline.filter(isOk).map((r) => [r.id, r]));
  const out: RegressionCheck[] = [];
  for (const r of current) {
    const b = base.get(r.id);
    if (!b) continue;
    if (!isOk(r)) {
      const note = `${b.status} → ${r.status}${r.reason ? `: ${r.reason}` : ''}`;
      out.push({
        id: r.id,
        metric: 'status',
        baseline: b.status,
        current: r.status,
        ratio: null,
        tolerance: null,
        verdict: 'FAIL',
        note,
      });
      continue;
    }
    for (const metric of ['step_ms_median', 'peak_tensor_bytes'] as const) {
      const cur = r[metric];
      const old = b[metric];
      if (cur === null || old === null || old <= 0) continue;
      const ratio = cur / old;
      out.push({
        id: r.id,
        metric,
        baseline: old,
        current: cur,
        ratio,
        tolerance: tolFor[metric],
        verdict: ratio <= tolFor[metric] ? 'PASS' : 'FAIL',
        note: '',
      });
    }
  }
  return out;
}
