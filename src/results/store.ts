// results.jsonl: append-only, one line per finished scenario, each written with a single append so a
// killed sweep leaves whole lines (a torn tail, if the disk or kernel ever leaves one, is cut on resume).
import { appendFileSync, existsSync, readFileSync, renameSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../util/errors.js';
import { RESULT_COLUMNS, type ScenarioResult } from './row.js';
import { parseResultsJsonl, readRunJson } from './load.js';
import type { RunInfo } from './run-info.js';
import { toCsv } from './csv.js';
import { csvView } from './tile-width.js';

export const files = (dir: string) => ({
  runJson: join(dir, 'run.json'),
  jsonl: join(dir, 'results.jsonl'),
  csv: join(dir, 'results.csv'),
});

export function appendResult(dir: string, row: ScenarioResult): void {
  appendFileSync(files(dir).jsonl, JSON.stringify(row) + '\n');
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
  writeAtomic(files(dir).runJson, JSON.stringify(info, null, 2) + '\n');
}

/** run.json of a folder to resume, through the one reader (load.ts); without one it is not a results folder. */
export function readRunInfo(dir: string): RunInfo {
  const info = readRunJson(files(dir).runJson);
  if (!info) throw new UsageError(`${dir} is not a results folder (no run.json)`);
  return info;
}

/** results.csv from the rows, in the sweep's order; rewritten whole (write to a temp file, then rename). */
export function writeCsv(dir: string, rows: ScenarioResult[]): void {
  writeAtomic(files(dir).csv, toCsv(rows.map(csvView), RESULT_COLUMNS));
}

function writeAtomic(path: string, text: string): void {
  writeFileSync(path + '.tmp', text);
  renameSync(path + '.tmp', path);
}
