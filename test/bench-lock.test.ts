// One sweep per results folder: a live owner's lock refuses a second one; a dead owner's is taken over.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lockFolder } from '../src/results/store.js';
import { UsageError } from '../src/util/errors.js';

describe('results folder lock', () => {
  it('refuses a folder held by a live process, takes over a stale lock, and releases', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lossbench-lock-'));
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 10000)']);
    try {
      writeFileSync(join(dir, '.lock'), String(holder.pid));
      assert.throws(() => lockFolder(dir), (e: unknown) => e instanceof UsageError && e.message.includes(`pid ${holder.pid}`));
    } finally {
      holder.kill('SIGKILL');
      await new Promise((r) => holder.once('exit', r));
    }
    const release = lockFolder(dir); // the holder is dead now: stale
    assert.equal(readFileSync(join(dir, '.lock'), 'utf8'), String(process.pid));
    release();
    assert.equal(existsSync(join(dir, '.lock')), false);
  });
});
