// Registers `report` and `compare`. The work lives in report.ts / compare.ts, loaded when a command runs
// (chart.js and the canvas binding are heavy).
import { join } from 'node:path';
import type { Command } from 'commander';
import { CheckFailed, UsageError } from '../util/errors.js';
import { appendOutput, checkOutputFile, writeOutput } from '../util/output.js';
import { DEFAULT_MEMORY_TOLERANCE, DEFAULT_TIME_TOLERANCE } from '../report/checks.js';

function ratio(name: string) {
  return (v: string): number => {
    const x = Number(v);
    if (!Number.isFinite(x) || x < 1) throw new UsageError(`${name}: expected a ratio ≥ 1, got ${JSON.stringify(v)}`);
    return x;
  };
}

export function registerReport(program: Command): void {
  program
    .command('report <dir>')
    .description('charts, scaling checks, findings, report.md and report.html for a results folder')
    .option('--check', 'exit 1 when a scaling check fails')
    .option(
      '--baseline <dir>',
      'an earlier results folder: fail when step time or peak memory regressed, or a scenario ok there no longer runs ok',
    )
    .option(
      '--time-tolerance <ratio>',
      'largest allowed step_ms_median ratio against --baseline',
      ratio('--time-tolerance'),
      DEFAULT_TIME_TOLERANCE,
    )
    .option(
      '--memory-tolerance <ratio>',
      'largest allowed peak_tensor_bytes ratio against --baseline',
      ratio('--memory-tolerance'),
      DEFAULT_MEMORY_TOLERANCE,
    )
    .option('--json', 'print checks and findings as JSON instead of the summary')
    .option(
      '--latex',
      'also write latex/: booktabs tables (results, checks, answers) and each chart as a one-column vector PDF',
    )
    .option('--junit <file>', 'write the checks as JUnit XML (one testcase per check; failures with their messages)')
    .action(
      async (
        dir: string,
        o: {
          check?: boolean;
          baseline?: string;
          timeTolerance: number;
          memoryTolerance: number;
          json?: boolean;
          latex?: boolean;
          junit?: string;
        },
        cmd: Command,
      ) => {
        const tolerances = (['timeTolerance', 'memoryTolerance'] as const).filter(
          (k) => cmd.getOptionValueSource(k) === 'cli',
        );
        if (tolerances.length && !o.baseline)
          throw new UsageError(
            `${tolerances.map((k) => `--${k.replace('T', '-t')}`).join(', ')}: only with --baseline <dir>`,
          );
        // Every output path is checked before the report is made: a bad one fails now, not after.
        const summaryFile = process.env.GITHUB_STEP_SUMMARY;
        if (o.junit) checkOutputFile('junit', o.junit);
        if (summaryFile) checkOutputFile('GITHUB_STEP_SUMMARY', summaryFile);
        const { writeReport } = await import('../report/report.js');
        const { CHECK_HEAD, checkRow, REGRESSION_HEAD, regressionRow, textTable } = await import('../report/tables.js');
        const s = await writeReport(dir, {
          baseline: o.baseline,
          timeTolerance: o.timeTolerance,
          memoryTolerance: o.memoryTolerance,
          latex: o.latex,
        });
        for (const w of s.warnings) console.error(`warning: ${w}`); // stderr: stdout stays the summary (or the JSON)
        if (o.junit) {
          const { junitXml } = await import('../report/junit.js');
          writeOutput(
            o.junit,
            junitXml({ run: s.runName, checks: s.checks, regressions: s.regressions, baseline: o.baseline }),
            'the report itself is written; free space or fix the path, then run this command again',
          );
        }
        // On GitHub Actions, the job's summary page shows this markdown.
        if (summaryFile) {
          const { ciSummaryMarkdown } = await import('../report/ci-summary.js');
          appendOutput(
            summaryFile,
            ciSummaryMarkdown(s, s.runName, o.baseline) + '\n',
            'the report itself is written; free space or fix $GITHUB_STEP_SUMMARY, then run this command again',
          );
        }
        if (o.json) {
          console.log(
            JSON.stringify(
              {
                dir: s.dir,
                files: s.files,
                rows: s.rows,
                ok_rows: s.okRows,
                answers: s.answers,
                checks: s.checks,
                regressions: s.regressions,
                findings: s.findings,
                warnings: s.warnings,
              },
              null,
              2,
            ),
          );
        } else {
          console.log(
            `report written: ${s.files.markdown}, ${s.files.html}, ${s.files.charts.length} chart files in ${dir}/charts`,
          );
          if (s.files.latex.length) {
            const where = `${s.files.latex.length} files in ${join(dir, 'latex')}`;
            console.log(`LaTeX: ${where} (tables need booktabs; preview.tex shows them all)`);
          }
          console.log(`${s.rows} scenarios, ${s.okRows} ok`);
          for (const a of s.answers)
            console.log(`\n${a.question}\n  ${a.answer}${a.settle ? `\n  to settle it: ${a.settle}` : ''}`);
          if (s.checks.length) console.log('\n' + textTable(CHECK_HEAD, s.checks.map(checkRow)));
          if (o.baseline) {
            const failed = s.regressions.filter((r) => r.verdict === 'FAIL');
            console.log(
              s.regressions.length
                ? `\nbaseline ${o.baseline}: ${s.regressions.length} comparisons, ${failed.length} regressed`
                : `\nbaseline ${o.baseline}: nothing compared (no scenario that ran ok there is in this run)`,
            );
            if (failed.length) console.log(textTable(REGRESSION_HEAD, failed.map(regressionRow)));
          }
        }
        const problems: string[] = [];
        if (o.check && s.failedChecks) problems.push(`${s.failedChecks} scaling check(s) failed`);
        if (o.baseline && s.failedRegressions)
          problems.push(`${s.failedRegressions} regression(s) against ${o.baseline}`);
        if (problems.length) throw new CheckFailed(problems.join('; '));
      },
    );

  program
    .command('compare <dirs...>')
    .description('merge runs from different machines/backends: combined CSV, side-by-side tables, overlaid charts')
    .option('--out <dir>', 'output folder (default: results/compare-<timestamp>)')
    .option('--force', 'compare even when D, c or the scenarios do not match')
    .action(async (dirs: string[], o: { out?: string; force?: boolean }) => {
      const { compareRuns } = await import('../report/compare.js');
      const s = await compareRuns(dirs, { out: o.out, force: o.force });
      for (const w of s.warnings) console.error(`warning: ${w}`);
      for (const m of s.mismatches) console.log(`warning (--force): ${m}`);
      console.log(`compared ${s.runs.length} runs (${s.common} common scenarios): ${s.runs.join(' | ')}`);
      console.log(
        `written: ${s.files.csv}, ${s.files.markdown}, ${s.files.html}, ${s.files.charts.length} chart files`,
      );
    });
}
