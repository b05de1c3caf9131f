// `report --latex`: a paper's share of the report, in <dir>/latex/: booktabs tables of the results, the
// scaling checks and the answers, each chart as a one-column vector PDF (fonts embedded), figures.tex
// with a float per chart, and preview.tex that puts them all on pages to look at.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Answer } from './answers/index.js';
import type { ScalingCheck } from './checks.js';
import type { ChartSpec } from './figure.js';
import { booktabs, figure } from './latex.js';
import { renderPdf } from './render.js';
import type { Row } from './series.js';
import { distinct } from './series.js';
import { CHECK_HEAD, checkRow, RESULT_HEAD, resultRow, simulated, SIMULATED_TIME_NOTE } from './tables.js';
import { makeFolder } from '../util/make-folder.js';

export interface LatexInput {
  runName: string;
  rows: readonly Row[];
  checks: readonly ScalingCheck[];
  answers: readonly Answer[];
  charts: readonly ChartSpec[];
}

const header = (run: string, needs: string) => `% lossbench report --latex: ${run}\n% needs ${needs}\n`;

/** The results table's columns for print: the report's, less what a column cannot hold. */
function resultsTable(rows: readonly Row[]): { head: string[]; rows: string[][]; columns: string[] } {
  const distributed = rows.some((r) => r.world > 1);
  const pick: [string, string, string][] = [
    ['scenario', 'scenario', 'l'],
    ['N', 'N', 'r'],
    // b = N/W: a column the page cannot spare once the per-device compute time is beside the step.
    ...(distributed ? ([['W', 'W', 'r']] as [string, string, string][]) : []),
    ...(distinct(rows.map((r) => r.dim)).length > 1 ? ([['D', 'D', 'r']] as [string, string, string][]) : []),
    ['c', 'c', 'r'],
    ['status', 'status', 'l'],
    ['step time median [p10–p90]', 'step, median [p10–p90]', 'r'],
    ...(rows.some(simulated) ? ([['compute / device', 'compute / dev.', 'r']] as [string, string, string][]) : []),
    ['peak tensor memory', 'peak memory', 'r'],
    ['predicted peak', 'predicted', 'r'],
    ...(distributed ? ([['comm bytes sent / device', 'sent / device', 'r']] as [string, string, string][]) : []),
  ];
  const at = pick.map(([name]) => RESULT_HEAD.indexOf(name));
  return {
    head: pick.map(([, label]) => label),
    rows: rows.map((r) =>
      at
        .map((i) => resultRow(r)[i]!)
        // The status word only (reasons are sentences, in report.md); the caption says what a simulated step is.
        .map((v, j) => (pick[j]![0] === 'status' ? v.split(':')[0]! : v.replace(' (all W in turn)', ''))),
    ),
    columns: pick.map(([, , align]) => align),
  };
}

/** Writes <dir>/latex/ and returns the paths written. */
export function writeLatex(dir: string, input: LatexInput): string[] {
  const out = join(dir, 'latex');
  makeFolder('latex', out);
  const written: string[] = [];
  const write = (name: string, text: string | Buffer) => {
    const path = join(out, name);
    writeFileSync(path, text);
    written.push(path);
  };
  const booktabsOnly = '\\usepackage{booktabs}';

  const results = resultsTable(input.rows);
  write(
    'results.tex',
    header(input.runName, booktabsOnly) +
      booktabs({
        ...results,
        wide: true,
        size: '\\footnotesize',
        colsep: input.rows.some(simulated) ? '3pt' : '4pt',
        label: 'tab:lossbench-results',
        caption:
          `Measured on ${input.runName}. Peak tensor memory per device (the busiest one for distributed ` +
          'strategies); a step is forward + backward. Naive implementations have no tile width c.' +
          (input.rows.some(simulated) ? ` ${SIMULATED_TIME_NOTE}.` : ''),
      }) +
      '\n',
  );

  write(
    'checks.tex',
    header(input.runName, booktabsOnly) +
      booktabs({
        head: CHECK_HEAD,
        rows: input.checks.map(checkRow),
        columns: ['l', 'l', 'r', 'r', 'r', 'l', 'l'],
        wide: true,
        size: '\\footnotesize',
        label: 'tab:lossbench-checks',
        caption:
          "Scaling checks: the fitted log–log slope of peak memory over N (or W) against the implementation's promise.",
      }) +
      '\n',
  );

  write(
    'answers.tex',
    header(input.runName, booktabsOnly) +
      booktabs({
        head: ['question', 'answer'],
        rows: input.answers.map((a) => [
          a.question,
          `${a.answer}${a.basis.length ? ` Rests on: ${a.basis.join('; ')}.` : ''}`,
        ]),
        columns: ['p{0.22\\linewidth}', 'p{0.74\\linewidth}'],
        wide: true,
        size: '\\footnotesize',
        label: 'tab:lossbench-answers',
        caption: `What the sweep on ${input.runName} answers.`,
      }) +
      '\n',
  );

  const floats: string[] = [];
  for (const c of input.charts) {
    write(`${c.name}.pdf`, renderPdf(c, { title: c.title }));
    const note = c.subtitle ? `. ${c.subtitle[0]!.toUpperCase()}${c.subtitle.slice(1)}` : '';
    floats.push(figure(`${c.name}.pdf`, `${c.title}${note}.`, `fig:lossbench-${c.name}`));
  }
  write('figures.tex', header(input.runName, '\\usepackage{graphicx}') + floats.join('\n\n') + '\n');

  write(
    'preview.tex',
    [
      "% All of lossbench's LaTeX on pages to look at: pdflatex preview.tex (in this folder).",
      '\\documentclass[twocolumn]{article}',
      '\\usepackage[margin=0.75in]{geometry}',
      '\\usepackage{booktabs,graphicx}',
      '\\begin{document}',
      '\\typeout{lossbench: column \\the\\columnwidth}',
      '\\input{answers}',
      '\\input{checks}',
      '\\input{results}',
      '\\input{figures}',
      '\\end{document}',
      '',
    ].join('\n'),
  );
  return written;
}
