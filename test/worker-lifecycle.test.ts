// What the runner does around a worker (issue 19): a process left by a killed runner of the same folder is
// stopped before any scenario runs (no row measured beside it) and the scratch it left is removed; a torch
// run resumes with another Python (--python, LOSSBENCH_PYTHON) once its recorded one is gone; a --world the
// host cannot start is refused without --force. The soak (test/torch-soak.test.ts) does it all at random.
import { resolveLink } from '../src/model/comm.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBenchCli, ROOT } from './helpers/run-cli.js';
import type { BackendReady } from '../src/engine/backend.js';
import { pythonOf, type TorchReady } from '../src/engine/torch.js';
import { runScenario } from '../src/harness/runner.js';
import { checkWorld, RANKS_PER_CORE } from '../src/harness/world-check.js';
import type { ScenarioSpec } from '../src/harness/spec.js';
import { isProcessAlive } from '../src/util/process-state.js';
import { UsageError } from '../src/util/errors.js';

const tmp = (p: string) => mkdtempSync(join(tmpdir(), p));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function spec(world: number): ScenarioSpec {
  return {
    loss: 'clip',
    impl: 'chunked',
    strategy: world === 1 ? 'single' : 'ring',
    n: 8 * world,
    world,
    localBatch: 8,
    dim: 8,
    chunk: 4,
    warmup: 0,
    samples: 2,
    timeBudgetMs: 1,
    seed: 1,
    link: resolveLink('nvlink4'),
  };
}

test(
  'a process of an earlier runner of the folder is stopped before a scenario runs, and its scratch removed',
  { skip: process.platform !== 'linux' && 'reads /proc' },
  async () => {
    const dir = tmp('lossbench-lifecycle-');
    const old = join(dir, '.scratch', 'clip_chunked_ring_N16_W2_D8_c4');
    mkdirSync(join(old, 'tmp', 'lossbench-torch-abc'), { recursive: true }); // what a killed runner leaves
    // The orphan: a process carrying the run's tag, in a process group of its own, its runner gone.
    const ghost = spawn('sleep', ['60'], {
      detached: true,
      stdio: 'ignore',
      env: { ...process.env, LOSSBENCH_SCRATCH: old },
    });
    ghost.unref();
    try {
      await sleep(100);
      assert.ok(isProcessAlive(ghost.pid!), 'the orphan runs');
      const backend: BackendReady = {
        name: 'wasm',
        deviceName: 'test',
        notes: [],
        maxTensorBytes: 2 ** 31,
        sync: async () => {},
      };
      const row = await runScenario(spec(1), {
        dir,
        backend,
        timeoutMs: 60_000,
        force: false,
        memoryLimitBytes: null,
        timeBudgetMs: null,
      });
      assert.equal(row.status, 'ok', row.reason);
      await sleep(100);
      assert.ok(!isProcessAlive(ghost.pid!), 'the orphan was stopped before the measurement');
      assert.ok(!existsSync(join(dir, '.scratch')), 'no scratch is left: neither the old one nor this worker’s');
    } finally {
      try {
        process.kill(ghost.pid!, 'SIGKILL');
      } catch {
        /* stopped */
      }
    }
  },
);

const torchReady = (device: 'cpu' | 'cuda', gpus = 0): TorchReady => ({
  engine: 'torch',
  name: device,
  dtype: 'fp32',
  python: 'python3',
  pythonPath: '/usr/bin/python3',
  packagePath: '',
  deviceName: 'test',
  notes: [],
  maxTensorBytes: null,
  overlap: false,
  info: {
    python_version: '3',
    python_executable: '/usr/bin/python3',
    torch_version: '2.11.0',
    cuda_available: device === 'cuda',
    cuda_version: null,
    nccl_version: null,
    distributed_available: true,
    gloo_available: true,
    gpu_count: gpus,
    gpu_names: [],
    nvidia_smi_topo: null,
  },
});

test('--world beyond what the host can start is refused without --force, and warned about with it', () => {
  const host = { cores: 2, freeBytes: 16e9 };
  const refused = (world: number, h = host) =>
    assert.throws(
      () => checkWorld([spec(1), spec(world)], torchReady('cpu'), false, 1, h),
      (e: unknown) => {
        assert.ok(e instanceof UsageError);
        assert.match(e.message, new RegExp(`^--world ${world}: ${world} torch ranks`));
        assert.match(e.message, /give --force to run it anyway$/);
        return true;
      },
    );
  refused(64);
  refused(2 * RANKS_PER_CORE + 1);
  refused(8, { cores: 16, freeBytes: 1e9 }); // 9 processes of ~275 MB each do not fit in 1 GB
  assert.deepEqual(checkWorld([spec(2 * RANKS_PER_CORE)], torchReady('cpu'), false, 1, host).length, 1, 'shared cores');
  assert.deepEqual(checkWorld([spec(2)], torchReady('cpu'), false, 1, host), []);
  const forced = checkWorld([spec(64)], torchReady('cpu'), true, 1, host);
  assert.ok(
    forced.some((w) => /more than 8 ranks \(4 per core\) on 2 cores/.test(w)),
    forced.join('\n'),
  );
  assert.deepEqual(checkWorld([spec(64)], { name: 'wasm' } as BackendReady, false, 1, host), [], 'tfjs simulates');
  assert.match(checkWorld([spec(4)], torchReady('cuda', 2), false, 1, host).join(), /ranks share GPUs/);
});

const PY = pythonOf();
const noTorch = spawnSync(PY, ['-c', 'import torch'], { stdio: 'ignore' }).status !== 0 && `no torch in ${PY}`;

test(
  '--resume of a torch run whose Python is gone: refused with the way on; --python or LOSSBENCH_PYTHON resumes it',
  {
    skip: noTorch,
  },
  async () => {
    const dir = tmp('lossbench-resume-python-');
    const sample = join(ROOT, 'results', 'samples', 'torch-cpu-memory-fit');
    copyFileSync(join(sample, 'results.jsonl'), join(dir, 'results.jsonl'));
    const info = JSON.parse(readFileSync(join(sample, 'run.json'), 'utf8')) as { torch: Record<string, unknown> };
    info.torch.python = info.torch.python_path = '/nonexistent/python3';
    writeFileSync(join(dir, 'run.json'), JSON.stringify(info));
    const env = { LOSSBENCH_PYTHON: '' };
    const gone = await runBenchCli(['--resume', dir, '--no-report', '--json'], { env, timeoutMs: 120_000 });
    assert.equal(gone.code, 2, gone.stderr);
    assert.match(
      gone.stderr.trim(),
      /^lossbench: resume: the Python this run recorded cannot serve it \(cannot run \/nonexistent\/python3 \(ENOENT\)\); resume with --python <a Python with torch> or LOSSBENCH_PYTHON=<it>/,
    );
    const flag = await runBenchCli(['--resume', dir, '--python', PY, '--no-report'], {
      env,
      timeoutMs: 120_000,
    });
    assert.equal(flag.code, 0, flag.stderr);
    assert.match(flag.stderr, /resumed with .* instead of the recorded \/nonexistent\/python3/);
    const viaEnv = await runBenchCli(['--resume', dir, '--no-report', '--json'], {
      env: { LOSSBENCH_PYTHON: PY },
      timeoutMs: 120_000,
    });
    assert.equal(viaEnv.code, 0, viaEnv.stderr);
  },
);
