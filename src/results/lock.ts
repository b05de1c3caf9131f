// One sweep at a time per results folder: a second `bench --resume` on a folder that a live process is
// still writing would run its scenarios twice. The lock names its owner (pid, start time, host); a lock
// whose owner is gone (exited, a zombie nobody reaped, or a pid since reused) is taken over.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
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

/** Takes the folder's lock or throws a UsageError that says who holds it and what to do. */
export function lockFolder(dir: string): () => void {
  const path = join(dir, '.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, JSON.stringify(me()) + '\n', { flag: 'wx' });
      return () => rmSync(path, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new UsageError(`${dir}: cannot write the lock ${path} (${(err as Error).message})`);
      let text: string;
      try {
        text = readFileSync(path, 'utf8');
      } catch {
        continue; // removed between our write and our read: try again
      }
      const owner = parseOwner(text);
      const held = owner ? liveOwner(owner) : null;
      if (held) {
        const kill = owner!.host && owner!.host !== os.hostname() ? '' : ` (kill ${owner!.pid})`;
        throw new UsageError(
          `${dir} is in use by a running lossbench (${held}): wait for it to finish or stop it${kill}, ` +
            `then run this command again; if no lossbench is writing this folder, delete ${path} and run it again`,
        );
      }
      rmSync(path, { force: true }); // stale: its owner is gone
    }
  }
  throw new UsageError(`${dir}: cannot take the lock ${path} (another process keeps taking it); delete it and run this command again`);
}
