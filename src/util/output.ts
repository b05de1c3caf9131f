// What a command writes where the user said: each output path checked before the work starts (a
// UsageError, exit 2), and each write that fails anyway (a full disk mid-run) one line naming the path,
// why, and the way on (a WriteError, exit 1) — never a raw "ENOSPC: no space left on device, write".
import { closeSync, openSync, rmSync, statSync, writeFileSync, appendFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UsageError } from './errors.js';
import { makeFolder } from './make-folder.js';

/** A write that failed: its message names the path, why, and what to do next. */
export class WriteError extends Error {
  override readonly name = 'WriteError';
}

const WHY: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is used up',
  EACCES: 'permission denied',
  EPERM: 'not permitted',
  EROFS: 'a read-only file system',
  EISDIR: 'it is a folder',
  ENOENT: 'no such file or folder can be made there',
  ENOTDIR: 'part of its path is a file, not a folder',
  EIO: 'an input/output error',
  EFBIG: 'the file would be too large',
  ENAMETOOLONG: 'the name is too long',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files',
};

/** "no space left on the device (ENOSPC)": an fs error in words. */
export function whyNot(err: unknown): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code) return WHY[code] ? `${WHY[code]} (${code})` : code;
  return err instanceof Error ? err.message : String(err);
}

/** The WriteError for a failed write of `path` (a file, or the folder written into). */
export function writeError(path: string, err: unknown, wayOn: string): WriteError {
  return new WriteError(`cannot write ${path}: ${whyNot(err)}; ${wayOn}`);
}

/** writeFileSync, or a WriteError naming `path` and the way on. */
export function writeOutput(path: string, data: string | Uint8Array, wayOn: string): void {
  try {
    writeFileSync(path, data);
  } catch (err) {
    throw writeError(path, err, wayOn);
  }
}

/** appendFileSync, or a WriteError naming `path` and the way on. */
export function appendOutput(path: string, data: string, wayOn: string): void {
  try {
    appendFileSync(path, data);
  } catch (err) {
    throw writeError(path, err, wayOn);
  }
}

/** Runs `write` (which writes into `folder`); an fs error becomes a WriteError naming the file or the folder. */
export function writingInto<T>(folder: string, wayOn: string, write: () => T): T {
  try {
    return write();
  } catch (err) {
    if (err instanceof WriteError || err instanceof UsageError || !(err as NodeJS.ErrnoException)?.code) throw err;
    throw writeError((err as NodeJS.ErrnoException).path ?? folder, err, wayOn);
  }
}

/**
 * Before any work: files can be made in `dir` (made, with its parents, when missing). A few bytes are
 * written and removed, so a full disk or a read-only mount is found now, not after the work.
 */
export function checkOutputFolder(field: string, dir: string, wayOn = 'give a folder that can be written'): void {
  makeFolder(field, dir);
  const probe = join(dir, `.lossbench-write-check-${process.pid}`);
  try {
    writeFileSync(probe, 'lossbench\n', { flag: 'wx' });
  } catch (err) {
    throw new UsageError(`${field}: cannot write in ${dir}: ${whyNot(err)}; ${wayOn}`);
  } finally {
    rmSync(probe, { force: true });
  }
}

/**
 * Before any work: `path` can be written as a file — not a folder, its folder made (or makeable), and
 * the file opened for writing (an existing file is left as it is until the real write).
 */
export function checkOutputFile(field: string, path: string): void {
  let isDir = false;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    // not there yet: its folder decides
  }
  if (isDir) throw new UsageError(`${field}: ${path} is a folder; give a file path`);
  makeFolder(field, dirname(path));
  let existed = true;
  try {
    statSync(path);
  } catch {
    existed = false;
  }
  try {
    closeSync(openSync(path, 'a'));
  } catch (err) {
    throw new UsageError(`${field}: cannot write ${path}: ${whyNot(err)}; give a path that can be written`);
  }
  if (!existed) rmSync(path, { force: true });
}
