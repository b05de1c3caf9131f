// The report's figures, one question each, as pure functions of the rows (what is drawn, not how: that
// is render.ts's job, so tests read series, guides and not-run markers straight from the configs).
//   one device:  memory, time and FLOP/s vs N, a panel per loss, a line per implementation;
//   W devices:   bytes, memory and time vs W at fixed b (and vs N at fixed W where the sweep has it), a
//                panel per loss (its strategy family), a line per strategy;
//   both:        measured vs predicted memory, a panel per loss and per kind of run; the error against
//                the float64 reference vs N, a panel per loss, a line per implementation (and strategy).
// Simulated devices (tfjs) show each device's own compute time and the modelled comm time, never the
// whole simulated step (all W devices in turn) as if it were one device's; torch's real ranks show the
// measured step, comm and exposed comm time.
import { formatBytes, formatErrorTick } from '../util/format.js';
import { facetFigure, guideDataset, type ChartSpec, type ColourBy, type FacetSpec, type Quantity } from './figure.js';
import { distinct, isOk, varying, type Row } from './series.js';
import { TOLERANCES } from '../losses/accuracy.js';

export type { ChartPoint, ChartSpec, ColourBy, LineConfig } from './figure.js';

export interface ChartOptions {
  colourBy?: ColourBy;
}

const LOSS_TITLE: Record<string, string> = { clip: 'CLIP', siglip: 'SigLIP' };
const lossTitle = (loss: string) => LOSS_TITLE[loss] ?? loss;

const single = (rows: readonly Row[]) => rows.filter((r) => r.world === 1 && r.strategy === 'single');
const multi = (rows: readonly Row[]) => rows.filter((r) => r.world > 1);
/** Measured on real ranks (torch.distributed), not simulated in one process. */
const realRanks = (r: Row) => r.dist_backend === 'gloo' || r.dist_backend === 'nccl';
const exposedComm = (r: Row) => r.comm_exposed_ms ?? null;

function runPrefix(rows: readonly Row[]) {
  const many = varying(rows).run;
  return (r: Row) => (many && r.run ? `${r.run}: ` : '');
}

/** One-device series: the implementation (and the tile width where it varies). */
function implSeries(rows: readonly Row[]) {
  const v = varying(rows);
  const prefix = runPrefix(rows);
  return (r: Row) => {
    const c = v.chunk && r.chunk !== null ? ` c=${r.chunk}` : '';
    const label = `${prefix(r)}${r.impl}${c}`;
    return { key: label, label, impl: r.impl, run: r.run };
  };
}

/** W-device series: the strategy (and the implementation where several ran). */
function strategySeries(rows: readonly Row[]) {
  const impls = distinct(rows.map((r) => r.impl)).length > 1;
  const prefix = runPrefix(rows);
  return (r: Row) => {
    const label = `${prefix(r)}${r.strategy}${impls ? ` ${r.impl}` : ''}`;
    return { key: label, label, impl: r.impl, run: r.run };
  };
}

/** Panel per loss, and per D (and per extra dimension) where they vary. */
function lossColumn(rows: readonly Row[], extra?: (r: Row) => string) {
  const dims = distinct(rows.map((r) => r.dim)).length > 1;
  return (r: Row) => {
    const parts = [lossTitle(r.loss), ...(dims ? [`D = ${r.dim}`] : []), ...(extra ? [extra(r)] : [])];
    return { key: parts.join('|'), title: parts.filter(Boolean).join(', ') };
  };
}

const stepSpread = (r: Row): [number, number] | null =>
  r.step_ms_p10 !== null && r.step_ms_p90 !== null ? [r.step_ms_p10, r.step_ms_p90] : null;
const predictedBytes = (r: Row) =>
  r.predicted_peak_bytes ? `${formatBytes(r.predicted_peak_bytes)} predicted` : 'not predicted';

const MEMORY: Quantity = {
  key: 'memory',
  title: 'peak tensor memory (bytes)',
  kind: 'bytes',
  y: (r) => r.peak_tensor_bytes,
  predicted: predictedBytes,
};
const NOT_RUN = 'crosses: scenarios that did not run ok, at the top of the axis';

/** O(N) and O(N²) guides through the middle (geometric means) of a panel's points. */
function orderGuides(points: { x: number; y: number }[], xr: { min: number; max: number }) {
  if (!points.length) return [];
  const mean = (v: number[]) => Math.exp(v.reduce((a, x) => a + Math.log(x), 0) / v.length);
  const xMid = mean(points.map((p) => p.x));
  const yMid = mean(points.map((p) => p.y));
  const xs = distinct(points.map((p) => p.x));
  const lo = Math.max(xr.min, Math.min(...xs));
  const hi = Math.min(xr.max, Math.max(...xs));
  const line = (k: number) => [lo, hi].map((x) => ({ x, y: yMid * (x / xMid) ** k }));
  return [guideDataset('O(N) guide', line(1), [3, 5]), guideDataset('O(N²) guide', line(2), [14, 6, 3, 6])];
}

function oneDevice(
  rows: readonly Row[],
  opts: ChartOptions,
  f: Pick<FacetSpec, 'name' | 'title' | 'subtitle' | 'quantities' | 'guides'>,
): ChartSpec | null {
  const s = single(rows);
  if (!s.length) return null;
  return facetFigure({
    ...f,
    rows: s,
    column: lossColumn(s),
    series: implSeries(s),
    x: (r) => r.n,
    xKind: 'batch',
    xTitle: 'batch N (pairs, log scale)',
    colourBy: opts.colourBy,
    // Several runs (a compare): a panel per impl, a line per run.
    overflow: opts.colourBy === 'run' ? (r) => ({ key: r.impl, title: r.impl }) : undefined,
  });
}

export function memoryVsNChart(rows: readonly Row[], opts: ChartOptions = {}): ChartSpec | null {
  return oneDevice(rows, opts, {
    name: 'memory-vs-n',
    title: 'Peak tensor memory vs batch N, one device',
    subtitle: `log–log, a panel per loss, a line per implementation; grey guides O(N) and O(N²); ${NOT_RUN}, their predicted peak named`,
    quantities: [{ ...MEMORY, title: 'peak tensor memory (bytes, log scale)' }],
    guides: orderGuides,
  });
}

export function timeVsNChart(rows: readonly Row[], opts: ChartOptions = {}): ChartSpec | null {
  return oneDevice(rows, opts, {
    name: 'time-vs-n',
    title: 'Step time (forward + backward) vs batch N, one device',
    subtitle: `median, bars p10–p90; a panel per loss, a line per implementation; ${NOT_RUN}`,
    quantities: [
      {
        key: 'step',
        title: 'step time (ms, log scale)',
        kind: 'ms',
        y: (r) => r.step_ms_median,
        spread: stepSpread,
      },
    ],
  });
}

export function flopsVsNChart(rows: readonly Row[], opts: ChartOptions = {}): ChartSpec | null {
  return oneDevice(rows, opts, {
    name: 'flops-vs-n',
    title: 'Achieved FLOP/s vs batch N, one device',
    subtitle: `FLOPs the implementation performs per step ÷ median step time; ${NOT_RUN}`,
    quantities: [
      { key: 'flops', title: 'achieved FLOP/s (log scale)', kind: 'flops', y: (r) => r.achieved_flops_per_s },
    ],
  });
}

export function measuredVsPredictedChart(rows: readonly Row[], opts: ChartOptions = {}): ChartSpec | null {
  const withPred = rows.filter((r) => r.predicted_peak_bytes !== null && r.predicted_peak_bytes > 0);
  if (!withPred.length) return null;
  const oneSeries = implSeries(single(withPred));
  const manySeries = strategySeries(multi(withPred));
  const all = withPred.flatMap((r) => [
    r.predicted_peak_bytes!,
    ...(isOk(r) && r.peak_tensor_bytes ? [r.peak_tensor_bytes] : []),
  ]);
  const lo = Math.min(...all) / 1.3;
  const hi = Math.max(...all) * 1.3;
  return facetFigure({
    name: 'measured-vs-predicted',
    title: 'Measured vs predicted peak tensor memory',
    subtitle: `log–log; points above the grey line y = x use more than predicted; ${NOT_RUN}, x = predicted`,
    rows: withPred,
    column: lossColumn(withPred),
    quantities: [
      { ...MEMORY, key: 'one', title: 'measured, one device (bytes)', applies: (r) => r.world === 1 },
      { ...MEMORY, key: 'many', title: 'measured per device, W devices (bytes)', applies: (r) => r.world > 1 },
    ],
    series: (r) => (r.world === 1 ? oneSeries(r) : manySeries(r)),
    x: (r) => r.predicted_peak_bytes!,
    xKind: 'bytes',
    xTitle: 'predicted peak (bytes, log scale)',
    lines: false,
    colourBy: opts.colourBy,
    guides: () => [
      guideDataset(
        'y = x',
        [
          { x: lo, y: lo },
          { x: hi, y: hi },
        ],
        [8, 6],
      ),
    ],
  });
}

/** Errors below this are drawn on it (the axis is logarithmic; float32 cannot resolve less anyway). */
export const ERROR_AXIS_FLOOR = 1e-9;
const ERROR_KEYS = ['err_loss', 'err_dx', 'err_dy', 'err_dt', 'err_db'] as const;

/** The largest of a row's errors against the float64 reference (loss and every gradient), or null if unchecked. */
export function worstError(r: Row): number | null {
  const errs = ERROR_KEYS.map((k) => r[k]).filter((e): e is number => e !== null && e !== undefined);
  return errs.length ? Math.max(...errs) : null;
}

const clampedError = (r: Row) => {
  const e = worstError(r);
  return e === null ? null : Math.max(e, ERROR_AXIS_FLOOR);
};

/**
 * Accuracy per implementation: the worst relative error of the step (loss, dx, dy, dt', db) against the
 * float64 reference on the same inputs, vs N; a panel per loss and kind of run (one device, W devices), a
 * line per implementation (and strategy), the tolerance of each dtype as a grey guide. Rows whose error
 * was not computed (tfjs sweeps: `verify` checks those) are left out; rows that did not run are crossed.
 */
export function accuracyChart(rows: readonly Row[], opts: ChartOptions = {}): ChartSpec | null {
  const checked = rows.filter((r) => worstError(r) !== null);
  if (!checked.length) return null;
  const keys = new Set(checked.map((r) => `${r.loss}|${r.impl}|${r.strategy}`));
  const use = rows.filter((r) => keys.has(`${r.loss}|${r.impl}|${r.strategy}`) && (!isOk(r) || worstError(r) !== null));
  const oneSeries = implSeries(single(use));
  const manySeries = strategySeries(multi(use));
  const dtypes = distinct(use.map((r) => r.dtype).filter((d): d is keyof typeof TOLERANCES => d in TOLERANCES));
  const ERROR = { kind: 'error' as const, y: clampedError, extent: dtypes.map((d) => TOLERANCES[d] * 2) };
  return facetFigure({
    name: 'accuracy-vs-n',
    title: 'Error against the float64 reference vs batch N, per implementation',
    subtitle: `worst relative error of loss, dx, dy, dt′ (and db) on the same inputs; log–log; grey: the tolerance (${dtypes
      .map((d) => `${d} ${formatErrorTick(TOLERANCES[d])}`)
      .join(', ')}), points above it fail; errors below ${ERROR_AXIS_FLOOR} drawn on it; ${NOT_RUN}`,
    rows: use,
    // a panel per dtype where several ran: their tolerances differ by decades, and a line is one impl's
    column: lossColumn(use, distinct(use.map((r) => r.dtype)).length > 1 ? (r) => r.dtype : undefined),
    quantities: [
      { ...ERROR, key: 'one', title: 'worst error, one device', applies: (r) => r.world === 1 },
      { ...ERROR, key: 'many', title: 'worst error, W devices', applies: (r) => r.world > 1 },
    ],
    series: (r) => (r.world === 1 ? oneSeries(r) : manySeries(r)),
    x: (r) => r.n,
    xKind: 'batch',
    xTitle: 'batch N (pairs, log scale)',
    colourBy: opts.colourBy,
    guides: (_points, xr, _yr, panel) =>
      dtypes
        .filter((d) => panel.some((r) => r.dtype === d))
        .map((d, i) =>
          guideDataset(
            `tolerance ${d} (${formatErrorTick(TOLERANCES[d])})`,
            [
              { x: xr.min, y: TOLERANCES[d] },
              { x: xr.max, y: TOLERANCES[d] },
            ],
            i === 0 ? [8, 6] : [3, 5],
          ),
        ),
  });
}

/** Distributed figures over `over` ('world': at fixed b; 'n': at fixed W). */
interface DistFigure {
  name: string;
  title: string;
  subtitle: string;
  quantities: Quantity[];
  rows?: (r: Row) => boolean;
  ownYRange?: boolean;
}

function distributed(rows: readonly Row[], opts: ChartOptions, over: 'world' | 'n', f: DistFigure): ChartSpec | null {
  const m = multi(rows).filter((r) => f.rows?.(r) ?? true);
  // At fixed b (over W) or fixed W (over N): a line needs two x values with the rest held.
  const held = (r: Row) =>
    `${r.run ?? ''}|${r.loss}|${r.strategy}|${r.impl}|${r.dim}|${over === 'world' ? r.local_batch : r.world}`;
  const xOf = (r: Row) => (over === 'world' ? r.world : r.n);
  const lines = new Set(
    distinct(m.map(held)).filter((k) => distinct(m.filter((r) => held(r) === k).map(xOf)).length > 1),
  );
  const use = m.filter((r) => lines.has(held(r)));
  if (!use.length) return null;
  const fixedMany = distinct(use.map((r) => (over === 'world' ? r.local_batch : r.world))).length > 1;
  const fixedLabel = (r: Row) => (over === 'world' ? `b = ${r.local_batch}` : `W = ${r.world}`);
  const fixedNote =
    over === 'world'
      ? `at local batch b = ${distinct(use.map((r) => r.local_batch)).join(', ')}`
      : `at W = ${distinct(use.map((r) => r.world)).join(', ')}`;
  return facetFigure({
    name: over === 'world' ? f.name : `${f.name.replace(/-vs-w$/, '')}-vs-n-at-w`,
    title: `${f.title} vs ${over === 'world' ? 'world size W' : 'global batch N'}, ${fixedNote}`,
    subtitle: f.subtitle,
    rows: use,
    column: lossColumn(use, fixedMany ? fixedLabel : undefined),
    quantities: f.quantities,
    series: strategySeries(use),
    overflow: opts.colourBy === 'run' ? (r) => ({ key: r.strategy, title: r.strategy }) : undefined,
    x: xOf,
    xKind: over === 'world' ? 'world' : 'batch',
    xTitle: over === 'world' ? 'world size W (devices)' : 'global batch N = W·b (pairs, log scale)',
    colourBy: opts.colourBy,
    ownYRange: f.ownYRange,
  });
}

const BYTES: DistFigure = {
  name: 'comm-vs-w',
  title: 'Bytes sent per device per step',
  subtitle:
    "counted on the collectives' byte ledger (tfjs) or the wire (torch); a panel per loss's strategies; lines that coincide are drawn once, labelled with every strategy they stand for; crosses: scenarios that did not run, predicted bytes named",
  quantities: [
    {
      key: 'bytes',
      title: 'bytes sent per device (bytes)',
      kind: 'bytes-linear',
      y: (r) => r.comm_bytes_sent,
      predicted: (r) => (r.predicted_comm_bytes ? `${formatBytes(r.predicted_comm_bytes)} predicted` : null),
    },
  ],
};

const DIST_MEMORY: DistFigure = {
  name: 'memory-vs-w',
  title: 'Peak tensor memory per device',
  subtitle: `the busiest device; a panel per loss's strategies, a line per strategy; ${NOT_RUN}, their predicted peak named`,
  quantities: [{ ...MEMORY, title: 'peak memory per device (bytes, log scale)' }],
};

const DIST_TIME: DistFigure = {
  name: 'time-vs-w',
  title: 'Time per device and step',
  subtitle:
    'simulated devices (tfjs, one process): each device’s own compute time, measured, and the communication time, modelled (α + bytes/β per round on the link named in the CSV) — the whole simulated step, all W devices in turn, is in the results table only; real ranks (torch): the step, the time in collectives and the part of it not hidden behind compute, all measured',
  ownYRange: true,
  quantities: [
    {
      key: 'compute',
      title: 'compute, measured (log scale)',
      kind: 'ms',
      y: (r) => r.device_compute_ms,
      applies: (r) => !realRanks(r),
    },
    {
      key: 'comm-modelled',
      title: 'comm, modelled (log scale)',
      kind: 'ms',
      y: (r) => r.comm_ms_modelled,
      applies: (r) => !realRanks(r),
    },
    {
      key: 'step',
      title: 'step, measured (log scale)',
      kind: 'ms',
      y: (r) => r.step_ms_median,
      spread: stepSpread,
      applies: realRanks,
    },
    {
      key: 'comm-measured',
      title: 'comm, measured (log scale)',
      kind: 'ms',
      y: (r) => r.comm_ms_measured,
      applies: realRanks,
    },
    {
      key: 'comm-exposed',
      title: 'exposed comm, measured (log scale)',
      kind: 'ms',
      y: exposedComm,
      applies: realRanks,
    },
  ],
};

export function commVsWorldChart(rows: readonly Row[], opts: ChartOptions = {}): ChartSpec | null {
  return distributed(rows, opts, 'world', BYTES);
}

/** Every figure the rows allow, in reading order: one device first, then W devices. */
export function buildCharts(rows: readonly Row[], opts: ChartOptions = {}): ChartSpec[] {
  return [
    memoryVsNChart(rows, opts),
    timeVsNChart(rows, opts),
    measuredVsPredictedChart(rows, opts),
    flopsVsNChart(rows, opts),
    accuracyChart(rows, opts),
    ...(['world', 'n'] as const).flatMap((over) =>
      [BYTES, DIST_MEMORY, DIST_TIME].map((f) => distributed(rows, opts, over, f)),
    ),
  ].filter((c): c is ChartSpec => c !== null);
}
