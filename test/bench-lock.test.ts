// One sweep per results folder: a live owner's lock refuses a second one (and says what to do); a dead
// owner's is taken over — also when the owner is a zombie nobody reaped, or its pid was reused.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lockFolder } from '../src/results/lock.js';
import { readProcessStat } from '../src/util/process-state.js';
import { UsageError } from '../src/util/errors.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'lossbench-lock-'));
const hasProc = readProcessStat(process.pid) !== undefined;

async function until(what: string, ok: () => boolean, ms = 10_000): Promise<void> {
  const t0 = Date.now();
  while (!ok()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('results folder lock', () => {
  it('refuses a folder held by a live process, saying how to proceed; takes over a stale lock', async () => {
    const dir = tmp();
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 10000)']);
    try {
      writeFileSync(join(dir, '.lock'), String(holder.pid)); // the older bare-pid format
      assert.throws(
        () => lockFolder(dir),
        (e: unknown) => {
          assert.ok(e instanceof UsageError);
          assert.match(e.message, new RegExp(`is in use by a running lossbench \\(pid ${holder.pid}`));
          assert.match(e.message, new RegExp(`kill ${holder.pid}`));
          assert.match(e.message, /run this command again/);
          assert.ok(e.message.includes(join(dir, '.lock')), 'names the lock file to delete');
          return true;
        },
      );
    } finally {
      holder.kill('SIGKILL');
      await new Promise((r) => holder.once('exit', r));
    }
    const release = lockFolder(dir); // the holder is dead now: stale
    const owner = JSON.parse(readFileSync(join(dir, '.lock'), 'utf8'));
    assert.equal(owner.pid, process.pid);
    assert.equal(owner.host, os.hostname());
    if (hasProc) assert.equal(typeof owner.start, 'number', 'the start time is recorded');
    release();
    assert.equal(existsSync(join(dir, '.lock')), false);
  });

  it(
    'takes over the lock of a zombie: a process that exited but was never reaped',
    { skip: !hasProc && 'needs /proc' },
    async () => {
      // sh starts a short sleep in the background and then becomes a long `sleep`, which never waits for
      // it: once the short one exits it stays a zombie (state Z) until the long one dies. kill(pid, 0)
      // still succeeds on it. The background child outlives the exec (1 s): had it exited first, sh could
      // have reaped it itself (a race seen under load with `true &`).
      const parent = spawn('sh', ['-c', 'sleep 1 & echo $!; exec sleep 30'], { stdio: ['ignore', 'pipe', 'ignore'] });
      try {
        let out = '';
        parent.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
        await until('the child pid', () => /\d+\n/.test(out));
        const zombie = Number(out.trim());
        await until(`pid ${zombie} to become a zombie`, () => readProcessStat(zombie)?.state === 'Z');
        assert.doesNotThrow(() => process.kill(zombie, 0), 'signal 0 alone would call it alive');
        const dir = tmp();
        writeFileSync(
          join(dir, '.lock'),
          JSON.stringify({ pid: zombie, start: readProcessStat(zombie)!.startTicks, host: os.hostname() }),
        );
        const release = lockFolder(dir);
        assert.equal(JSON.parse(readFileSync(join(dir, '.lock'), 'utf8')).pid, process.pid);
        release();
      } finally {
        parent.kill('SIGKILL');
        await new Promise((r) => parent.once('close', r));
      }
    },
  );

  it(
    'takes over a lock whose pid now belongs to another process (start time differs)',
    { skip: !hasProc && 'needs /proc' },
    async () => {
      const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 10000)']);
      try {
        await until('the process to start', () => readProcessStat(other.pid!) !== null);
        const dir = tmp();
        const start = readProcessStat(other.pid!)!.startTicks;
        writeFileSync(join(dir, '.lock'), JSON.stringify({ pid: other.pid, start: start - 1, host: os.hostname() }));
        lockFolder(dir)();
        // The same pid with its own start time is the owner: refused.
        writeFileSync(join(dir, '.lock'), JSON.stringify({ pid: other.pid, start, host: os.hostname() }));
        assert.throws(() => lockFolder(dir), UsageError);
      } finally {
        other.kill('SIGKILL');
        await new Promise((r) => other.once('exit', r));
      }
    },
  );

  it('refuses a lock taken on another host (its pid cannot be checked from here)', () => {
    const dir = tmp();
    writeFileSync(join(dir, '.lock'), JSON.stringify({ pid: 1, host: 'elsewhere' }));
    assert.throws(
      () => lockFolder(dir),
      (e: unknown) =>
        e instanceof UsageError && /pid 1 on host elsewhere/.test(e.message) && /delete .*\.lock/.test(e.message),
    );
  });
});

describe('results folder lock: atomic take-over', () => {
  it('two processes taking over the same stale lock at the same instant: exactly one wins, 150 times', async () => {
    // A dead owner: a process that has exited (its pid, with a start time no live process has).
    const gone = spawn(process.execPath, ['-e', '']);
    await new Promise((r) => gone.once('exit', r));
    const stale = JSON.stringify({ pid: gone.pid, start: 1, host: os.hostname() });
    const racer = join(import.meta.dirname, 'helpers', 'lock-racer.ts');
    const racers = [0, 1].map(() => spawn(process.execPath, ['--import', 'tsx', racer], { stdio: 'pipe' }));
    const answers = racers.map((p) => {
      const queue: string[] = [];
      let buf = '';
      p.stdout.setEncoding('utf8').on('data', (d: string) => {
        buf += d;
        const lines = buf.split('\n');
        buf = lines.pop()!;
        queue.push(...lines);
      });
      return queue;
    });
    try {
      const rounds = 150;
      for (let i = 0; i < rounds; i++) {
        const dir = tmp();
        writeFileSync(join(dir, '.lock'), stale);
        const at = Date.now() + (i === 0 ? 3000 : 15); // the first round waits for tsx to load
        for (const p of racers) p.stdin.write(`${dir} ${at}\n`);
        await until(`round ${i}'s answers`, () => answers.every((q) => q.length > i), 30_000);
        const got = answers.map((q) => q[i]).sort();
        assert.deepEqual(got, ['refused', 'won'], `round ${i}: ${got.join(', ')}`);
        const owner = JSON.parse(readFileSync(join(dir, '.lock'), 'utf8'));
        assert.ok(
          racers.some((p) => p.pid === owner.pid),
          'the winner owns the lock',
        );
      }
    } finally {
      for (const p of racers) p.kill('SIGKILL');
      await Promise.all(racers.map((p) => new Promise((r) => p.once('exit', r))));
    }
  });
});
