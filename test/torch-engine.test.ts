// The torch engine end to end: its own Python suite, a sweep over every strategy at W = 1, 2, 4 whose
// traffic must equal the TS formulas, a killed rank and a hung worker recorded as rows with nothing left
// running, and the same inputs giving the same loss and gradients in both engines.
// Skipped (with the reason) where the Python has no torch or the package is not there.
import { stepOutputs } from '../src/losses/types.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { runBenchCli } from './helpers/run-cli.js';
import { noTorch, PY, TINY_TORCH } from './helpers/tiny-torch.js';
import { torchEnv, torchPackagePath } from '../src/engine/torch.js';
import { predictedComm } from '../src/distributed/formulas.js';
import { scenarioId } from '../src/harness/spec.js';
import type { ScenarioResult } from '../src/results/row.js';
import type { RunInfo } from '../src/results/run-info.js';
import { tf } from '../src/engine/tf.js';
import { lossStep } from '../src/losses/index.js';
import { randomInputs, toReference, toTensors, disposeInputs, type HostInputs } from '../src/losses/inputs.js';
import { writeInputsFile } from '../src/losses/inputs-file.js';
import { relativeError, TOLERANCE } from '../src/losses/accuracy.js';
import { REFERENCES } from '../src/losses/reference.js';
import type { ImplName, LossName } from '../src/losses/types.js';

const PKG = torchPackagePath();
const skip = (() => {
  if (noTorch) return noTorch;
  if (!existsSync(join(PKG, 'lossbench_torch'))) return `no lossbench_torch in ${PKG}: set LOSSBENCH_TORCH_PATH`;
  return false;
})();
// In CI (.ci/run runs scripts/setup-python.sh) these tests must run: a skip there is a failure.
test('CI runs the torch-engine tests (torch found)', { skip: process.env.CI !== 'true' && 'outside CI' }, () => {
  assert.equal(skip, false, String(skip));
});

const ENV = { LOSSBENCH_PYTHON: PY };
// Tiny sizes: the cost is Python and torch starting, once per worker and once per rank.
const TINY = [...TINY_TORCH, '--impl', 'chunked', '--no-report', '--json'];

interface Run {
  code: number | null;
  stderr: string;
  rows: ScenarioResult[];
  dir: string;
}

async function bench(args: string[], env: Record<string, string> = {}, onTick?: () => void): Promise<Run> {
  const out = mkdtempSync(join(tmpdir(), 'lossbench-torch-'));
  const tick = onTick ? setInterval(onTick, 200) : null;
  const r = await runBenchCli(['--out', out, ...args], { env: { ...ENV, ...env }, timeoutMs: 600_000 });
  if (tick) clearInterval(tick);
  const dirs = readdirSync(out);
  const dir = dirs.length === 1 ? join(out, dirs[0]!) : '';
  const jsonl = dir && existsSync(join(dir, 'results.jsonl')) ? readFileSync(join(dir, 'results.jsonl'), 'utf8') : '';
  return {
    code: r.code,
    stderr: r.stderr,
    rows: jsonl
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as ScenarioResult),
    dir,
  };
}

const explain = (rows: ScenarioResult[]) => rows.map((r) => `${r.id}: ${r.status} ${r.reason}`).join('\n');

test('the Python unittest suite of lossbench_torch passes', { skip }, async () => {
  const r = spawnSync(PY, ['-m', 'unittest', 'discover', '-s', 'tests'], {
    cwd: PKG,
    env: torchEnv(),
    encoding: 'utf8',
    timeout: 600_000,
  });
  assert.equal(r.status, 0, r.stderr.slice(-4000));
  assert.match(r.stderr, /\nOK/);
});

test(
  'bench --engine torch: every strategy at W = 1, 2, 4, traffic as the TS formulas; a killed rank is an error row naming it, and the sweep goes on',
  { skip },
  async () => {
    const killed = scenarioId({
      loss: 'siglip',
      impl: 'chunked',
      strategy: 'allgather',
      n: 16,
      world: 4,
      dim: 8,
      chunk: 4,
    });
    const r = await bench(
      [
        ...TINY,
        '--strategy',
        'single,allgather-global,allgather-local,ring,allgather,ring-bidir',
        '--world',
        '2,4',
        '--local-batch',
        '4',
      ],
      { LOSSBENCH_FAULT: `killrank:1:${killed}` },
    );
    assert.equal(r.code, 0, r.stderr);
    // single at W = 1 (N = 4) for each loss, and 6 strategies × W = 2, 4
    assert.equal(r.rows.length, 2 + 6 * 2, explain(r.rows));
    assert.deepEqual([...new Set(r.rows.map((x) => x.world))].sort(), [1, 2, 4]);
    for (const row of r.rows) {
      assert.equal(row.engine, 'torch');
      assert.equal(row.dtype, 'fp32');
      assert.equal(row.backend, 'cpu');
      if (row.id === killed) {
        assert.equal(row.status, 'error', explain(r.rows));
        assert.match(row.reason, /\brank 1\b/, 'the reason names the killed rank');
        continue;
      }
      assert.equal(row.status, 'ok', explain(r.rows));
      const want = predictedComm(row.loss, row.strategy, row.world, row.local_batch, row.dim, 4);
      assert.deepEqual(
        [row.comm_bytes_sent, row.comm_bytes_received, row.comm_rounds],
        [want.bytesSent, want.bytesReceived, want.rounds],
        `${row.id}: traffic`,
      );
      assert.equal(row.dist_backend, row.world === 1 ? 'none' : 'gloo');
      assert.equal(typeof row.loss_value, 'number');
      assert.ok(row.peak_tensor_bytes! > 0, `${row.id}: peak ${row.peak_tensor_bytes}`);
      if (row.world > 1) assert.ok(row.comm_ms_measured! > 0, `${row.id}: comm_ms_measured ${row.comm_ms_measured}`);
      else assert.equal(row.comm_ms_measured, null);
      assert.equal(row.accuracy, 'pass', `${row.id}: accuracy against the float64 reference`);
      assert.ok(row.err_dx !== null && row.err_dx < 1e-4, `${row.id}: err_dx ${row.err_dx}`);
    }
    // the rows after the killed one ran
    const at = r.rows.findIndex((x) => x.id === killed);
    assert.ok(
      at >= 0 && at < r.rows.length - 1 && r.rows.slice(at + 1).every((x) => x.status === 'ok'),
      explain(r.rows),
    );
    const info = JSON.parse(readFileSync(join(r.dir, 'run.json'), 'utf8')) as RunInfo;
    assert.equal(info.engine, 'torch');
    assert.equal(info.torch?.device, 'cpu');
    assert.match(info.torch?.info.torch_version ?? '', /^\d+\.\d+/);
    const csvHead = readFileSync(join(r.dir, 'results.csv'), 'utf8').split('\n')[0]!;
    assert.match(
      csvHead,
      /,engine,dtype,dist_backend,comm_ms_measured,memory_probe,device_compute_ms,comm_exposed_ms,err_loss,err_dx,err_dy,err_dt,err_db,accuracy,impl_version$/,
    );
    assert.ok(
      r.rows.every((x) => x.status !== 'ok' || x.memory_probe !== ''),
      'each ok row says how its peak was measured',
    );
    // A resume with nothing left starts no rank: the --world check weighs what is left, so no warning (the
    // first run warned where W = 4 ranks outnumber the cores, as on CI's 2).
    const again = await runBenchCli(['--resume', r.dir, '--no-report'], { env: ENV, timeoutMs: 120_000 });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout + again.stderr, /14 scenarios, 14 done before, 0 to run/);
    if (availableParallelism() < 4) assert.match(r.stderr, /warning: --world 4/);
    assert.doesNotMatch(again.stderr, /warning: --world/);
  },
);

/** pid → [state, process group], from /proc/<pid>/stat (comm may hold spaces: split after the last ')'). */
function statOf(pid: number | 'self'): [string, number] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return [f[0]!, Number(f[2])];
  } catch {
    return null;
  }
}

/** Live members of a process group; zombies are left out (an orphan's zombie stays where nobody reaps it). */
function liveMembers(pgid: number): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
    .filter((pid) => {
      const s = statOf(pid);
      return s !== null && s[1] === pgid && s[0] !== 'Z';
    });
}

/** Pids whose environment holds `mark` (other users' processes are unreadable and skipped). */
function marked(mark: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/environ`, 'latin1').includes(mark)) out.push(Number(d));
    } catch {
      /* gone, or not ours */
    }
  }
  return out;
}

test('a hung torch worker is a timeout row, and its whole process group is gone afterwards', { skip }, async () => {
  const hung = scenarioId({ loss: 'siglip', impl: 'chunked', strategy: 'ring', n: 8, world: 2, dim: 8, chunk: 4 });
  const mark = `LOSSBENCH_TEST_MARK=${randomUUID()}`;
  const groups = new Set<number>();
  const ours = statOf('self')![1]; // the bench CLI and its `info` probe run in this group; workers lead their own
  const r = await bench(
    [...TINY, '--loss', 'siglip', '--strategy', 'ring', '--world', '2', '--local-batch', '4', '--timeout', '5'],
    { LOSSBENCH_FAULT: `hang:${hung}`, LOSSBENCH_TEST_MARK: mark.split('=')[1]! },
    () => {
      // the worker's process group: that of any process carrying the mark outside this test's group
      for (const pid of marked(mark)) {
        const s = statOf(pid);
        if (s && s[1] !== ours) groups.add(s[1]);
      }
    },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.rows.length, 1);
  assert.equal(r.rows[0]!.status, 'timeout', explain(r.rows));
  assert.equal(r.rows[0]!.reason, 'no result within 5000 ms (--timeout)');
  assert.ok(groups.size > 0, 'the worker was seen running');
  for (const g of groups) assert.deepEqual(liveMembers(g), [], `process group ${g} is gone`);
  assert.deepEqual(
    marked(mark).filter((pid) => statOf(pid)?.[0] !== 'Z'),
    [],
    'no process of the run is left',
  );
});

/** `lossbench_torch step` on an inputs file: loss, dx, dy, dt', dβ as float32. */
function torchStep(
  file: string,
  h: HostInputs,
  loss: LossName,
  impl: ImplName,
  chunk: number,
  strategy = 'single',
  world = 1,
): Promise<{ loss: number; dx: Float32Array; dy: Float32Array; dt: number; db: number }> {
  const out = `${file}.${loss}.${impl}.${strategy}.out`;
  return new Promise((resolve, reject) => {
    const args = [
      '-m',
      'lossbench_torch',
      'step',
      '--inputs',
      file,
      '--loss',
      loss,
      '--impl',
      impl,
      '--chunk',
      String(chunk),
      '--n',
      String(h.n),
      '--strategy',
      strategy,
      '--world',
      String(world),
      '--out',
      out,
    ];
    const p = spawn(PY, args, { env: torchEnv(), stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    p.on('close', (code) => {
      if (code !== 0) return reject(new Error(`step exited ${code}: ${err.slice(-2000)}`));
      const buf = readFileSync(out);
      const f = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length)); // little-endian hosts
      const nd = h.n * h.d;
      resolve({
        loss: f[0]!,
        dx: f.slice(1, 1 + nd),
        dy: f.slice(1 + nd, 1 + 2 * nd),
        dt: f[1 + 2 * nd]!,
        db: f[2 + 2 * nd]!,
      });
    });
  });
}

test(
  'the same inputs give the same loss and gradients in both engines (1e-4, as src/losses/accuracy.ts)',
  { skip },
  async () => {
    await tf.setBackend('cpu');
    const dir = mkdtempSync(join(tmpdir(), 'lossbench-xengine-'));
    const n = 24;
    const d = 16;
    const chunk = 7; // ragged tiles
    const cases: [LossName, ImplName, string, number][] = [
      ['clip', 'naive', 'single', 1],
      ['clip', 'chunked', 'single', 1],
      ['siglip', 'naive', 'single', 1],
      ['siglip', 'chunked', 'single', 1],
      ['clip', 'chunked', 'ring', 2], // a distributed step on real ranks against tfjs's single device
    ];
    for (const [loss, impl, strategy, world] of cases) {
      const host = randomInputs(loss, n, d, 11, loss === 'clip' ? Math.log(100) : undefined);
      const file = join(dir, `${loss}.bin`);
      writeInputsFile(file, host);
      const t = await torchStep(file, host, loss, impl, chunk, strategy, world);
      const inputs = toTensors(host);
      const r = lossStep(loss, impl, chunk)(inputs);
      const js = {
        loss: (await r.loss.data())[0]!,
        dx: await r.grads.x.data(),
        dy: await r.grads.y.data(),
        dt: (await r.grads.tPrime.data())[0]!,
        db: r.grads.bias ? (await r.grads.bias.data())[0]! : 0,
      };
      tf.dispose(stepOutputs(r));
      disposeInputs(inputs);
      const ref = REFERENCES[loss](toReference(host));
      const what = `${loss}/${impl}/${strategy}/W${world}`;
      const pairs: [string, ArrayLike<number>, ArrayLike<number>, ArrayLike<number>][] = [
        ['loss', [t.loss], [js.loss], [ref.loss]],
        ['dx', t.dx, js.dx, ref.dx],
        ['dy', t.dy, js.dy, ref.dy],
        ["dt'", [t.dt], [js.dt], [ref.dtPrime]],
        ...(loss === 'siglip' ? [['dβ', [t.db], [js.db], [ref.dBias!]] as [string, number[], number[], number[]]] : []),
      ];
      for (const [name, torchV, tfjsV, refV] of pairs) {
        assert.ok(
          relativeError(torchV, tfjsV) <= TOLERANCE,
          `${what} ${name}: torch vs tfjs ${relativeError(torchV, tfjsV)}`,
        );
        assert.ok(
          relativeError(torchV, refV) <= TOLERANCE,
          `${what} ${name}: torch vs float64 ${relativeError(torchV, refV)}`,
        );
      }
    }
  },
);
