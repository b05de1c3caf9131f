// Makes a folder and its missing parents, one level at a time. Node's recursive mkdir can loop forever
// where a level cannot be made although its parent exists (mkdir /proc/x: ENOENT, then /proc: EEXIST, and
// again), so each missing level is made on its own and the first failure is the answer.
import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UsageError } from './errors.js';

/** Creates `path` (and missing parents); a UsageError naming `field` when it cannot be made. */
export function makeFolder(field: string, path: string): void {
  const missing: string[] = [];
  let p = resolve(path);
  for (;;) {
    let isDir: boolean;
    try {
      isDir = statSync(p).isDirectory();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // ENOTDIR: some level above is a file; walking up finds it and says so.
      if (code !== 'ENOENT' && code !== 'ENOTDIR')
        throw new UsageError(`${field}: cannot make the folder ${path}: ${p} cannot be read (${code})`);
      missing.unshift(p);
      const parent = dirname(p);
      if (parent === p) break;
      p = parent;
      continue;
    }
    if (!isDir) throw new UsageError(`${field}: cannot make the folder ${path}: ${p} is not a folder`);
    break;
  }
  for (const level of missing) {
    try {
      mkdirSync(level);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' && statSync(level).isDirectory()) continue; // made meanwhile by someone else
      throw new UsageError(
        `${field}: cannot make the folder ${path}: mkdir ${level} failed (${code ?? (err as Error).message})`,
      );
    }
  }
}
