// A worker and everything it started (a torch worker's W rank processes) share one process group, the
// worker's pid: its resident memory is the sum over the group, and it ends with one kill of the group.
// Linux only (/proc); elsewhere the RSS reads as 0 and --memory-limit never triggers.
import { readdirSync, readFileSync } from 'node:fs';

/** Members of process group `pgid`: the pids whose /proc/<pid>/stat names it. */
export function groupMembers(pgid: number): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const d of entries) {
    if (d.charCodeAt(0) < 48 || d.charCodeAt(0) > 57) continue; // not a pid
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses, so split after the last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid) out.push(Number(d));
    } catch {
      /* gone meanwhile */
    }
  }
  return out;
}

function rssOf(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Resident bytes of the whole group now (0 when it is gone or /proc is missing). */
export function groupRssBytes(pgid: number): number {
  let sum = 0;
  for (const pid of groupMembers(pgid)) sum += rssOf(pid);
  return sum;
}

/** SIGKILLs every member of the group; false when none was left. Never throws. */
export function killGroup(pgid: number): boolean {
  try {
    process.kill(-pgid, 'SIGKILL');
    return true;
  } catch {
    return false;
  }
}

/** Whether any member of the group is still alive (a zombie leader not yet reaped counts). */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
