// JUnit XML of a report's checks, for CI test views: one testcase per scaling check and per regression
// check; a FAIL is a failure with its message, an n/a (too few points) a skipped case. The XML is
// junit-report-builder's.
import junitModule, { type Builder } from 'junit-report-builder';
import type { RegressionCheck, ScalingCheck } from './checks.js';
import { formatSlope } from '../util/format.js';

export interface JunitInput {
  /** Names the suites: the run's name. */
  run: string;
  checks: readonly ScalingCheck[];
  regressions: readonly RegressionCheck[];
  /** The baseline folder, when regressions were checked. */
  baseline?: string;
}

// The package's types declare an ES default export, but its CommonJS build assigns module.exports: under
// Node's ESM import, the default import is the builder itself.
const junit = junitModule as unknown as Builder;

function scalingMessage(c: ScalingCheck): string {
  const points = c.points.map((p) => `${p.x}→${p.y}`).join(', ');
  const expected = `expected ${c.expected} ± ${c.tolerance}${c.note ? `: ${c.note}` : ''}`;
  return `slope ${formatSlope(c.slope)} over ${c.over}, ${expected} (points: ${points})`;
}

function regressionMessage(r: RegressionCheck): string {
  if (r.metric === 'status') return `no longer runs ok: ${r.note}`;
  const ratio = `ratio ${r.ratio?.toFixed(3)} over the limit ${r.tolerance}`;
  return `${r.metric} ${r.current} against baseline ${r.baseline}: ${ratio}`;
}

/** The JUnit XML text. */
export function junitXml(input: JunitInput): string {
  const builder = junit.newBuilder();
  const scaling = builder.testSuite().name(`lossbench scaling checks — ${input.run}`);
  for (const c of input.checks) {
    const t = scaling.testCase().className(`lossbench.scaling.${c.over}`).name(c.series);
    if (c.verdict === 'FAIL') t.failure(scalingMessage(c), 'ScalingCheck');
    else if (c.verdict === 'n/a') t.skipped().standardOutput(c.note);
  }
  if (input.baseline !== undefined) {
    const reg = builder.testSuite().name(`lossbench regressions against ${input.baseline}`);
    for (const r of input.regressions) {
      const t = reg.testCase().className(`lossbench.regression.${r.metric}`).name(r.id);
      if (r.verdict === 'FAIL') t.failure(regressionMessage(r), 'Regression');
    }
  }
  return builder.build();
}
