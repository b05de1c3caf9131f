// The markdown a CI job shows on its summary page ($GITHUB_STEP_SUMMARY): the answers, the scaling
// checks and any regression, without the charts (their relative paths mean nothing there; the report
// and charts travel as artifacts).
import type { ReportSummary } from './report.js';
import { toMarkdown, type Block } from './doc.js';
import { CHECK_HEAD, checkRow, REGRESSION_HEAD, regressionRow } from './tables.js';

export function ciSummaryMarkdown(s: ReportSummary, title: string, baseline?: string): string {
  const count = (v: string) => s.checks.filter((c) => c.verdict === v).length;
  const failed = count('FAIL');
  const blocks: Block[] = [
    { kind: 'h', level: 2, text: `lossbench report — ${title}` },
    {
      kind: 'p',
      text:
        `${s.rows} scenarios, ${s.okRows} ok; scaling checks: ${count('PASS')} PASS, ` +
        `${failed ? `**${failed} FAIL**` : '0 FAIL'}, ${count('n/a')} n/a (too few points).`,
    },
    { kind: 'list', items: s.answers.map((a) => `**${a.question}** ${a.answer}`) },
    s.checks.length
      ? { kind: 'table', head: CHECK_HEAD, rows: s.checks.map(checkRow) }
      : { kind: 'p', text: 'No series to check.' },
  ];
  if (baseline !== undefined) {
    const regressed = s.regressions.filter((r) => r.verdict === 'FAIL');
    const verdict = regressed.length ? `**${regressed.length} regressed**` : 'none regressed';
    blocks.push({
      kind: 'p',
      text: `Against baseline \`${baseline}\`: ${s.regressions.length} comparisons, ${verdict}.`,
    });
    if (regressed.length) blocks.push({ kind: 'table', head: REGRESSION_HEAD, rows: regressed.map(regressionRow) });
  }
  return toMarkdown(blocks);
}
