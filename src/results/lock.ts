// One sweep at a time per results folder: a second `bench --resume` on a folder that a live process is
// still writing would run its scenarios twice. The lock names its owner (pid, start time, host); a lock
// whose owner is gone (exited, a zombie nobody reaped, or a pid since reused) is taken over.
// Atomic: a lock appears whole or not at all (written aside, then link(2), which fails if one exists), and
// a stale lock is removed only by the one process that holds its take-over guard, a lock of the same
// kind named after the stale lock's text, and only while that text is still there. Two processes that
// find the same stale lock at the same instant: one removes it and takes the folder, the other is refused.
import { createHash, randomBytes } from 'node:crypto';
import { linkSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../util/errors.js';
import { isProcessAlive, readProcessStat } from '../util/process-state.js';

interface LockOwner {
  pid: number;
  /** The owner's start time (clock ticks after boot, /proc/<pid>/stat); absent in old locks and off Linux. */
  start?: number;
  host?: string;
  since?: string;
}

/** A lock's text: JSON, or a bare pid as written by older versions. */
function parseOwner(text: string): LockOwner | null {
  const t = text.trim();
  if (/^\d+$/.test(t)) return { pid: Number(t) };
  try {
    const o = JSON.parse(t) as LockOwner;
    return Number.isSafeInteger(o?.pid) && o.pid > 0 ? o : null;
  } catch {
    return null; // half-written or foreign: nobody can be shown to own it
  }
}

function me(): LockOwner {
  const start = readProcessStat(process.pid)?.startTicks;
  const known = start !== undefined && Number.isFinite(start);
  return { pid: process.pid, ...(known ? { start } : {}), host: os.hostname(), since: new Date().toISOString() };
}

/** Why the owner still counts, or null when its lock is stale. */
function liveOwner(o: LockOwner): string | null {
  if (o.pid === process.pid) return null;
  // Another machine's pid cannot be checked from here: only a person can say that sweep is gone.
  if (o.host && o.host !== os.hostname()) return `pid ${o.pid} on host ${o.host}`;
  return isProcessAlive(o.pid, o.start) ? `pid ${o.pid}${o.since ? `, since ${o.since}` : ''}` : null;
}

/** Creates `path` holding `text` unless it exists; never visible half-written. False when it exists. */
function createWhole(path: string, text: string): boolean {
  const aside = `${path}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(aside, text, { flag: 'wx' });
  try {
    linkSync(aside, path);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS' && code !== 'EOPNOTSUPP') throw err;
  } finally {
    rmSync(aside, { force: true });
  }
  // A file system without hard links: create-exclusive (a reader may see it empty for an instant).
  try {
    writeFileSync(path, text, { flag: 'wx' });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

function readOrNull(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** A short synchronous wait (the lock is taken before any async work starts). */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Guards deeper than this mean processes keep dying mid-take-over: a person should look. */
const MAX_DEPTH = 3;
const ATTEMPTS = 50;

class Held extends Error {
  constructor(
    readonly owner: LockOwner,
    readonly why: string,
  ) {
    super(why);
  }
}

/**
 * Takes the lock file `path` for `mine`: creates it, or removes a stale one (its owner gone) and tries
 * again. Throws Held when a live process holds it.
 */
function take(path: string, mine: string, depth: number): void {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    if (createWhole(path, mine)) return;
    const text = readOrNull(path);
    if (text === null) continue; // released between our try and our read
    const owner = parseOwner(text);
    const held = owner ? liveOwner(owner) : null;
    if (held) throw new Held(owner!, held);
    if (!removeStale(path, text, depth)) pause(5 + attempt); // another process is taking it over
  }
  throw new UsageError(`cannot take the lock ${path} (other processes keep taking it); delete it and run this command again`);
}

/** Removes `path` if it still holds the stale `text`, under the take-over guard; false when the guard is held. */
function removeStale(path: string, text: string, depth: number): boolean {
  if (depth >= MAX_DEPTH)
    throw new UsageError(`cannot take over the stale lock ${path}: take-overs keep failing; delete ${path}* and run this command again`);
  const guard = `${path}.takeover-${createHash('sha256').update(text).digest('hex').slice(0, 16)}`;
  const mine = JSON.stringify(me()) + '\n';
  try {
    take(guard, mine, depth + 1);
  } catch (err) {
    if (err instanceof Held) return false;
    throw err;
  }
  try {
    if (readOrNull(path) === text) rmSync(path, { force: true }); // still the stale one: nobody else removes it
  } finally {
    if (readOrNull(guard) === mine) rmSync(guard, { force: true });
  }
  return true;
}

/** Takes the folder's lock or throws a UsageError that says who holds it and what to do. */
export function lockFolder(dir: string): () => void {
  const path = join(dir, '.lock');
  const mine = JSON.stringify(me()) + '\n';
  try {
    take(path, mine, 0);
  } catch (err) {
    if (err instanceof Held) {
      const { owner, why } = err;
      const kill = owner.host && owner.host !== os.hostname() ? '' : ` (kill ${owner.pid})`;
      throw new UsageError(
        `${dir} is in use by a running lossbench (${why}): wait for it to finish or stop it${kill}, ` +
          `then run this command again; if no lossbench is writing this folder, delete ${path} and run it again`,
      );
    }
    if (err instanceof UsageError) throw new UsageError(`${dir}: ${err.message}`);
    throw new UsageError(`${dir}: cannot write the lock ${path} (${(err as Error).message})`);
  }
  // Released only while it is still ours.
  return () => {
    if (readOrNull(path) === mine) rmSync(path, { force: true });
  };
}
