// The run's scratch: one folder per running scenario, <run>/.scratch/<scenario>, that holds everything its
// worker makes besides the row — the report file, the torch ranks' folder, any temp file (TMPDIR points
// there) — and that the runner removes when the worker ends, however it ends (exit, crash, --timeout,
// --memory-limit, SIGKILL). A runner killed itself leaves the folder; the next runner of the folder (a
// resume: the folder's lock makes it the only one) first stops any process still tagged with the run's
// scratch — an orphan of the killed runner — and then removes it, so no row is ever measured beside one.
import { mkdirSync, readdirSync, rmdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import { killTagged, running, taggedProcesses, type TaggedProcess } from '../probes/tagged-processes.js';
import { scenarioId, type ScenarioSpec } from './spec.js';

/** The variable every worker (and torch rank) of a run carries: its scenario's scratch folder. */
export const SCRATCH_ENV = 'LOSSBENCH_SCRATCH';

let own: string | null = null;
/**
 * <run>/.scratch, absolute (the tag is compared as text); a runner with no results folder (a follower node)
 * gets one of its own in the temp dir, which no other runner on the host shares.
 */
export function scratchRoot(dir: string): string {
  if (dir) return join(resolve(dir), '.scratch');
  own ??= join(os.tmpdir(), `lossbench-scratch-${process.pid}`);
  return own;
}

/** The scenario's scratch folder: the id with its slashes made safe. */
export function scratchOf(dir: string, spec: ScenarioSpec): string {
  return join(scratchRoot(dir), scenarioId(spec).replace(/[^A-Za-z0-9.=-]+/g, '_'));
}

/** A fresh scratch folder (whatever an earlier runner left there removed) with its tmp/ for TMPDIR. */
export function makeScratch(path: string): { path: string; tmp: string } {
  rmSync(path, { recursive: true, force: true });
  const tmp = join(path, 'tmp');
  mkdirSync(tmp, { recursive: true });
  return { path, tmp };
}

/** Removes a scenario's scratch, and the run's .scratch once empty. Never throws. */
export function removeScratch(path: string): void {
  try {
    rmSync(path, { recursive: true, force: true });
    const root = dirname(path);
    if (readdirSync(root).length === 0) rmdirSync(root);
  } catch {
    /* a scratch left behind is removed by the next runner of the folder */
  }
}

/** Live processes of the run (any scenario's worker or rank) outside process group `exceptPgid`. */
export function runProcesses(dir: string, exceptPgid?: number): TaggedProcess[] {
  return running(taggedProcesses(SCRATCH_ENV, scratchRoot(dir) + sep)).filter((p) => p.pgid !== exceptPgid);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Stops every process still tagged with this run's scratch (called with no worker of our own running, so
 * each is an orphan of an earlier runner), waits up to `waitMs` for them to be gone, then removes the
 * scratch. Returns those still running (none, unless they are not ours to kill).
 */
export async function stopOrphans(dir: string, waitMs = 3000): Promise<TaggedProcess[]> {
  let left = runProcesses(dir);
  const deadline = Date.now() + waitMs;
  while (left.length > 0 && Date.now() < deadline) {
    killTagged(left);
    await sleep(50);
    left = runProcesses(dir);
  }
  if (left.length === 0) rmSync(scratchRoot(dir), { recursive: true, force: true });
  return left;
}

/** "pid 123 (rank 2, stopped)": for reasons. */
export function describeProcesses(ps: TaggedProcess[]): string {
  return ps
    .map((p) => `pid ${p.pid}${p.rank !== null ? ` (rank ${p.rank}${p.state === 'T' ? ', stopped' : ''})` : ''}`)
    .join(', ');
}
