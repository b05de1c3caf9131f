// Is a process still running? `kill(pid, 0)` alone cannot tell: it succeeds on a zombie (a process that
// has exited but that its parent has not reaped yet, as under a container's init), and on whatever new
// process has reused the pid. Linux's /proc/<pid>/stat says both: the state ('Z' zombie, 'X' dead) and
// the start time, which a lock records to tell its own owner from a later process with the same pid.
import { readFileSync } from 'node:fs';

export interface ProcessStat {
  /** One letter: R running, S sleeping, D disk wait, T stopped, Z zombie, X dead, ... (proc(5)). */
  state: string;
  /** Start time after boot, in clock ticks (proc(5) field 22): with the pid, a process's identity. */
  startTicks: number;
}

/**
 * The state and start time of `pid` from /proc; null when there is no such process; undefined where
 * /proc cannot say (not Linux, or /proc not mounted).
 */
export function readProcessStat(pid: number, procRoot = '/proc'): ProcessStat | null | undefined {
  let text: string;
  try {
    text = readFileSync(`${procRoot}/${pid}/stat`, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ESRCH') {
      try {
        readFileSync(`${procRoot}/self/stat`);
        return null; // /proc works and has no such pid
      } catch {
        return undefined;
      }
    }
    return undefined;
  }
  // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const startTicks = Number(fields[19]);
  return { state: fields[0] ?? '?', startTicks: Number.isFinite(startTicks) ? startTicks : NaN };
}

/** Whether a process is alive by signal 0 (where /proc cannot say): EPERM means it exists, not ours. */
function answersSignal(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether `pid` is a live process, and (when `startTicks` is given) the same one that recorded it:
 * a zombie, a dead process or a pid reused by another process is not alive.
 */
export function isProcessAlive(pid: number, startTicks?: number): boolean {
  const stat = readProcessStat(pid);
  if (stat === undefined) return answersSignal(pid);
  if (stat === null || stat.state === 'Z' || stat.state === 'X' || stat.state === 'x') return false;
  return startTicks === undefined || !Number.isFinite(stat.startTicks) || stat.startTicks === startTicks;
}
