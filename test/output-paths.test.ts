// Every output path is checked before the work starts (exit 2, one line naming it), and a write that
// fails anyway is one line naming the path, why, and the way on (issue 19 item 7). A full disk is
// /dev/full, or (where user namespaces allow it) a small tmpfs mounted in a private mount namespace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appendResult, writeCsv } from '../src/results/store.js';
import { checkOutputFile, checkOutputFolder, WriteError } from '../src/util/output.js';
import { UsageError } from '../src/util/errors.js';
import { ROOT } from './helpers/run-cli.js';
import { resultRow } from './helpers/result-row.js';

const FIX = join(import.meta.dirname, 'fixtures', 'report');
const tmp = () => mkdtempSync(join(tmpdir(), 'lossbench-out-'));
const hasDevFull = existsSync('/dev/full');
const canUnshare =
  process.platform === 'linux' &&
  spawnSync('unshare', ['--user', '--map-root-user', '--mount', 'sh', '-c', 'mount -t tmpfs tmpfs /mnt'], {
    stdio: 'ignore',
  }).status === 0;

const throwsMatching = (f: () => unknown, type: new (...a: never[]) => Error, message: RegExp) =>
  assert.throws(f, (e: unknown) => e instanceof type && message.test(e.message));

/** Runs `sh -c script` (in a private user and mount namespace with `ns`), $CLI being lossbench's command line. */
function sh(script: string, ns = false): Promise<{ code: number | null; out: string; err: string }> {
  const cmd = ns ? ['unshare', '--user', '--map-root-user', '--mount', 'sh', '-c', script] : ['sh', '-c', script];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd[0]!, cmd.slice(1), {
      cwd: ROOT,
      env: { ...process.env, CLI: `${process.execPath} --import tsx src/cli.ts`, GITHUB_STEP_SUMMARY: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

function oneLine(r: { code: number | null; err: string }, code: number, message: RegExp): void {
  assert.equal(r.code, code, r.err);
  const lines = r.err.trim().split('\n');
  assert.equal(lines.length, 1, `one line: ${r.err}`);
  assert.match(lines[0]!, message);
}

test('output checks: a folder given as a file, a path that cannot be made, a folder that cannot be written', () => {
  const dir = tmp();
  throwsMatching(() => checkOutputFile('junit', dir), UsageError, /^junit: .* is a folder; give a file path$/);
  throwsMatching(
    () => checkOutputFile('junit', '/proc/lossbench.xml'),
    UsageError,
    /^junit: cannot write \/proc\/lossbench\.xml: .*\(ENOENT\)/,
  );
  throwsMatching(() => checkOutputFolder('out', '/proc/lossbench'), UsageError, /^out: cannot make the folder/);
  checkOutputFile('junit', join(dir, 'a', 'b.xml'));
  assert.deepEqual(readdirSync(join(dir, 'a')), [], 'the check leaves no file behind');
});

test(
  'a full disk mid-sweep: results.jsonl and results.csv name the path and how to resume',
  { skip: !hasDevFull },
  () => {
    const dir = tmp();
    symlinkSync('/dev/full', join(dir, 'results.jsonl'));
    symlinkSync('/dev/full', join(dir, 'results.csv.tmp'));
    const row = resultRow({ loss: 'clip', impl: 'naive', n: 8 });
    const resume = new RegExp(
      `no space left on the device \\(ENOSPC\\); .*resume with: lossbench bench --resume ${dir}$`,
    );
    throwsMatching(() => appendResult(dir, row), WriteError, new RegExp(`^cannot write ${dir}/results\\.jsonl: `));
    throwsMatching(() => appendResult(dir, row), WriteError, resume);
    throwsMatching(() => writeCsv(dir, [row]), WriteError, new RegExp(`^cannot write ${dir}/results\\.csv: `));
    assert.equal(existsSync(join(dir, 'results.csv.tmp')), false, 'no temp file left behind');
  },
);

test('report --junit: a folder or /proc refused before the report is made; a full file named after it', async () => {
  const dir = join(tmp(), 'run');
  cpSync(join(FIX, 'runA'), dir, { recursive: true });
  const atFolder = await sh(`$CLI report ${dir} --junit ${tmp()}`);
  oneLine(atFolder, 2, /^lossbench: junit: .* is a folder; give a file path$/);
  assert.equal(existsSync(join(dir, 'report.md')), false, 'refused before any work');
  oneLine(await sh(`$CLI report ${dir} --junit /proc`), 2, /^lossbench: junit: \/proc is a folder/);
  if (hasDevFull) {
    const full = await sh(`$CLI report ${dir} --junit /dev/full`);
    assert.equal(full.code, 1, full.err);
    assert.match(
      full.err.trim().split('\n').pop()!, // after runA's torn-line warning
      /^lossbench: cannot write \/dev\/full: no space left on the device \(ENOSPC\); the report itself is written/,
    );
  }
});

test(
  'bench --out on a full disk: refused before the sweep; a disk full at run.json leaves no half-made folder',
  { skip: !canUnshare && 'needs unshare (user and mount namespaces)' },
  async () => {
    const root = tmp();
    const [full, inodes] = [join(root, 'full'), join(root, 'inodes')];
    for (const d of [full, inodes]) mkdirSync(d);
    const bench = '$CLI bench --backend wasm --no-report --loss clip --impl naive --batch 8 --dim 8 --chunk 8';
    // full: a 4 KiB tmpfs filled up. inodes: room for one more file or folder, so the run folder is made
    // and its run.json is not.
    const script =
      `mount -t tmpfs -o size=4k tmpfs ${full} && (cat /dev/zero > ${full}/fill 2>/dev/null; true) && ` +
      `mount -t tmpfs -o nr_inodes=3 tmpfs ${inodes} && mkdir ${inodes}/out && ` +
      `${bench} --out ${full}/out; echo "exit $?" >&2; ${bench} --out ${inodes}/out; echo "exit $?" >&2; ` +
      `ls -A ${inodes}/out >&2`;
    const r = await sh(script, true);
    const lines = r.err.trim().split('\n');
    assert.match(lines[0]!, new RegExp(`^lossbench: out: cannot write in ${full}/out: no space left on the device`));
    assert.equal(lines[1], 'exit 2');
    assert.match(lines[2]!, /^lossbench: cannot write .*inodes\/out\/.*\/run\.json: no space left on the device/);
    assert.equal(lines[3], 'exit 1');
    assert.equal(lines.length, 4, `nothing left in the out folder: ${r.err}`);
  },
);

test(
  'report --latex and compare --out into a read-only folder: refused before any work',
  { skip: !canUnshare && 'needs unshare (user and mount namespaces)' },
  async () => {
    const root = tmp();
    const [run, other, ro] = [join(root, 'run'), join(root, 'other'), join(root, 'ro')];
    cpSync(join(FIX, 'runA'), run, { recursive: true });
    cpSync(join(FIX, 'runA'), other, { recursive: true });
    mkdirSync(ro);
    const script =
      `mount --bind ${run} ${run} && mount -o remount,ro,bind ${run} && ` +
      `mount --bind ${ro} ${ro} && mount -o remount,ro,bind ${ro} && ` +
      `$CLI report ${run} --latex; echo "exit $?" >&2; $CLI compare ${run} ${other} --out ${ro}/cmp; echo "exit $?" >&2`;
    const r = await sh(script, true);
    const lines = r.err.trim().split('\n');
    assert.match(
      lines[0]!,
      new RegExp(`^lossbench: report: cannot write in ${run}: a read-only file system \\(EROFS\\)`),
    );
    assert.equal(lines[1], 'exit 2');
    assert.match(lines[2]!, new RegExp(`^lossbench: out: cannot make the folder ${ro}/cmp`));
    assert.equal(lines[3], 'exit 2');
  },
);
