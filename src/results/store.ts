// results.jsonl: append-only, one line per finished scenario, each written with a single append so a
// killed sweep leaves whole lines (a torn tail, if the disk or kernel ever leaves one, is cut on resume).
import { appendFileSync, existsSync, readFileSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../util/errors.js';
import { makeFolder } from '../util/make-folder.js';
import { appendOutput, writeError } from '../util/output.js';
import { RESULT_COLUMNS, type ScenarioResult } from './row.js';
import { parseResultsJsonl, readRunJson } from './load.js';
import type { RunInfo } from './run-info.js';
import { toCsv } from './csv.js';

export const files = (dir: string) => ({
  runJson: join(dir, 'run.json'),
  jsonl: join(dir, 'results.jsonl'),
  csv: join(dir, 'results.csv'),
});

/** The way on after a write into a run folder failed: what was recorded is kept; resume finishes it. */
const resumeHint = (dir: string) => `free space or fix the folder, then resume with: lossbench bench --resume ${dir}`;

export function appendResult(dir: string, row: ScenarioResult): void {
  appendOutput(files(dir).jsonl, JSON.stringify(row) + '\n', resumeHint(dir));
}

/**
 * Rows already finished, through the one results.jsonl reader (load.ts: shape-checked, a torn
 * last line dropped, a bad earlier line a UsageError). With `repair`, a torn last line is also cut off
 * the file, so appends after a resume start on a clean line.
 */
export function readResults(dir: string, repair = false): ScenarioResult[] {
  const path = files(dir).jsonl;
  if (!existsSync(path)) return [];
  const text = readFileSync(path, 'utf8');
  const { rows, warnings } = parseResultsJsonl(text, path);
  const body = text.trimEnd();
  const tornOrUnterminated = warnings.length > 0 || (body.length > 0 && !text.endsWith('\n'));
  if (repair && tornOrUnterminated) {
    const keep = warnings.length > 0 ? body.lastIndexOf('\n') + 1 : body.length; // drop the torn line
    truncateSync(path, Buffer.byteLength(text.slice(0, keep)));
    if (keep === body.length && keep > 0) appendFileSync(path, '\n');
  }
  return rows;
}

export function writeRunInfo(dir: string, info: RunInfo): void {
  writeAtomic(files(dir).runJson, JSON.stringify(info, null, 2) + '\n', 'free space or fix the folder, then run the command again');
}

/**
 * Makes a new run's folder and its run.json, or nothing: when run.json cannot be written (a full disk),
 * the folder is removed again, so no half-made run folder is left behind.
 */
export function startRunFolder(dir: string, info: RunInfo): void {
  makeFolder('out', dir);
  try {
    writeRunInfo(dir, info);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/** run.json of a folder to resume, through the one reader (load.ts); without one it is not a results folder. */
export function readRunInfo(dir: string): RunInfo {
  const info = readRunJson(files(dir).runJson);
  if (!info) throw new UsageError(`${dir} is not a results folder (no run.json)`);
  return info;
}

/** results.csv from the rows, in the sweep's order; rewritten whole (write to a temp file, then rename). */
export function writeCsv(dir: string, rows: ScenarioResult[]): void {
  writeAtomic(files(dir).csv, toCsv(rows, RESULT_COLUMNS), resumeHint(dir));
}

/** Written to a temp file, then renamed: the file is whole or as it was; a failed write leaves no temp file. */
function writeAtomic(path: string, text: string, wayOn: string): void {
  try {
    writeFileSync(path + '.tmp', text);
    renameSync(path + '.tmp', path);
  } catch (err) {
    rmSync(path + '.tmp', { force: true });
    throw writeError(path, err, wayOn);
  }
}
