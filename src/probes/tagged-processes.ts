// Processes found by a variable of the environment they were started with (/proc/<pid>/environ; Linux).
// Every worker of a run, and every rank a torch worker starts, carries LOSSBENCH_SCRATCH=<its scenario's
// scratch folder inside the run's folder>: so they are found even when orphaned — their runner killed, their
// process group one that nobody knows any more. Other users' processes cannot be read and are not listed.
import { readdirSync, readFileSync } from 'node:fs';

export interface TaggedProcess {
  pid: number;
  pgid: number;
  /** /proc state letter: R, S, D, T (stopped), Z (zombie), ... */
  state: string;
  /** The tag's value. */
  value: string;
  /** LOSSBENCH_RANK of a torch rank process, else null. */
  rank: number | null;
}

function envVar(environ: string, name: string): string | null {
  const all = `\0${environ}`;
  const at = all.indexOf(`\0${name}=`);
  if (at < 0) return null;
  const from = at + name.length + 2;
  const end = all.indexOf('\0', from);
  return all.slice(from, end < 0 ? undefined : end);
}

/** Processes (zombies included) whose variable `name` starts with `prefix`. */
export function taggedProcesses(name: string, prefix: string): TaggedProcess[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const out: TaggedProcess[] = [];
  for (const d of entries) {
    if (d.charCodeAt(0) < 48 || d.charCodeAt(0) > 57) continue; // not a pid
    try {
      const environ = readFileSync(`/proc/${d}/environ`, 'latin1');
      const value = envVar(environ, name);
      if (value === null || !value.startsWith(prefix)) continue;
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses, so split after the last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const rank = envVar(environ, 'LOSSBENCH_RANK');
      out.push({
        pid: Number(d),
        pgid: Number(fields[2]),
        state: fields[0] ?? '?',
        value,
        rank: rank === null || !/^\d+$/.test(rank) ? null : Number(rank),
      });
    } catch {
      /* gone meanwhile, or not ours */
    }
  }
  return out;
}

/** Those not yet exited (a zombie has exited: it holds no memory and computes nothing). */
export const running = (ps: TaggedProcess[]): TaggedProcess[] => ps.filter((p) => p.state !== 'Z' && p.state !== 'X');

/** SIGKILLs each process and the group it leads; never throws. */
export function killTagged(ps: TaggedProcess[]): void {
  for (const p of ps) {
    for (const target of p.pgid === p.pid ? [-p.pid, p.pid] : [p.pid]) {
      try {
        process.kill(target, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  }
}
