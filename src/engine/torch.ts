// The torch engine seen from Node: which Python runs it, where the lossbench_torch package lives, what
// `python3 -m lossbench_torch info` says about torch, CUDA, NCCL and the GPUs, and the one way every
// command of the package is started (its environment). The package itself is engines/torch (Python).
import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../util/errors.js';
import type { TorchDevice, TorchDtype } from './engines.js';

/** The checkout's root: two folders above this module, or above the bundle (dist/lossbench.cjs). */
export function repoRoot(): string {
  const here = import.meta.url as string | undefined; // undefined in the bundle (scripts/build-gpu.mjs)
  return here ? fileURLToPath(new URL('../../', here)) : resolve(dirname(process.argv[1] ?? '.'), '..');
}

/** Where lossbench_torch is imported from: env LOSSBENCH_TORCH_PATH, else <repo>/engines/torch. */
export function torchPackagePath(): string {
  return process.env.LOSSBENCH_TORCH_PATH || join(repoRoot(), 'engines', 'torch');
}

/** The project's own virtual environment (scripts/setup-python.sh): <repo>/.venv/bin/python. */
export function projectPython(): string {
  return join(repoRoot(), '.venv', 'bin', 'python');
}

/**
 * The Python that runs the engine: --python, then env LOSSBENCH_PYTHON, then the project's .venv (made by
 * scripts/setup-python.sh) where it exists, then python3 on PATH.
 */
export function pythonOf(flag?: string): string {
  if (flag) return flag;
  if (process.env.LOSSBENCH_PYTHON) return process.env.LOSSBENCH_PYTHON;
  const venv = projectPython();
  return existsSync(venv) ? venv : 'python3';
}

/** A command name resolved on PATH (as the shell would), for messages and run.json; as given if not found. */
export function whichPython(python: string): string {
  if (isAbsolute(python) || python.includes('/')) return python;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const p = join(dir, python);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      /* next */
    }
  }
  return python;
}

/**
 * The variable naming a process's parent: lossbench_torch ties itself to that process before any import
 * (engines/torch/lossbench_torch/tether.py), so it dies with it, however the parent dies.
 */
export const PARENT_ENV = 'LOSSBENCH_PARENT_PID';

/**
 * The environment of every lossbench_torch process: the package on PYTHONPATH, output unbuffered, this
 * checkout's contract/strategies.json (the engine's own default is the file beside its package), tied to us.
 */
export function torchEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const pkg = torchPackagePath();
  const prior = process.env.PYTHONPATH;
  const contract = join(repoRoot(), 'contract', 'strategies.json');
  return {
    ...(existsSync(contract) ? { LOSSBENCH_CONTRACT: contract } : {}),
    ...process.env,
    PYTHONPATH: prior ? `${pkg}${delimiter}${prior}` : pkg,
    PYTHONUNBUFFERED: '1',
    [PARENT_ENV]: String(process.pid),
    ...extra,
  };
}

export interface PyRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Set when the process could not start (e.g. ENOENT: no such Python). */
  spawnError?: string;
}

/** Runs `python -m lossbench_torch <args>` to the end (killed after timeoutMs). */
export function runTorchCommand(python: string, args: string[], timeoutMs = 120_000): Promise<PyRun> {
  return runPython(python, ['-m', 'lossbench_torch', ...args], timeoutMs);
}

/**
 * Runs Python to the end. Its temp files (the link probe's rank folder, say) go to a folder of its own that is
 * removed when it ends, however it ends (killed at the timeout: its ranks die with it, tether.py).
 */
function runPython(python: string, args: string[], timeoutMs: number): Promise<PyRun> {
  const tmp = mkdtempSync(join(os.tmpdir(), 'lossbench-py-'));
  return new Promise((done) => {
    execFile(
      python,
      args,
      { env: torchEnv({ TMPDIR: tmp }), timeout: timeoutMs, maxBuffer: 64 * 2 ** 20, encoding: 'utf8' },
      (err, stdout, stderr) => {
        rmSync(tmp, { recursive: true, force: true });
        const e = err as (NodeJS.ErrnoException & { code?: number | string }) | null;
        if (e && typeof e.code === 'string')
          return done({ code: null, stdout, stderr, spawnError: `${e.code}: ${e.message}` });
        done({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, stdout, stderr });
      },
    );
  });
}

/** `python3 -m lossbench_torch info`: torch, CUDA, NCCL, the GPUs and how they are linked. */
export interface TorchInfo {
  python_version: string;
  python_executable: string;
  torch_version: string;
  cuda_available: boolean;
  /** The CUDA torch was built with (null for a CPU build). */
  cuda_version: string | null;
  nccl_version: string | null;
  distributed_available: boolean;
  gloo_available: boolean;
  gpu_count: number;
  gpu_names: string[];
  /** `nvidia-smi topo -m` as printed (NVLink/PCIe between GPUs), null without a driver. */
  nvidia_smi_topo: string | null;
}

const lastLine = (s: string) =>
  s
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .pop() ?? '';

/**
 * The engine's self-description, or an Error whose message says why not in one line and what to do:
 * "no torch in python3: run scripts/setup-python.sh", a missing package path, no such Python.
 */
export async function torchInfo(python: string): Promise<TorchInfo> {
  const where = whichPython(python);
  const r = await runTorchCommand(python, ['info'], 120_000);
  if (r.spawnError)
    throw new Error(
      `cannot run ${python} (${r.spawnError.split(':')[0]}): give --python <path> or set LOSSBENCH_PYTHON`,
    );
  if (r.code === 0) {
    try {
      return JSON.parse(lastLine(r.stdout)) as TorchInfo;
    } catch {
      throw new Error(`${python} -m lossbench_torch info printed no JSON: ${lastLine(r.stdout).slice(0, 200)}`);
    }
  }
  // Why did it fail? torch first (the common case on a fresh machine), then the package.
  const t = await runPython(python, ['-c', 'import torch'], 60_000);
  if (t.code !== 0)
    throw new Error(
      `no torch in ${where}: run scripts/setup-python.sh (torch into .venv), or give --python <a Python with torch>`,
    );
  const pkg = torchPackagePath();
  if (!existsSync(join(pkg, 'lossbench_torch')))
    throw new Error(`no lossbench_torch package in ${pkg}: set LOSSBENCH_TORCH_PATH to the folder that holds it`);
  throw new Error(`${python} -m lossbench_torch info failed (exit ${r.code}): ${lastLine(r.stderr).slice(0, 300)}`);
}

/** The torch engine, ready to serve scenarios: the counterpart of a tfjs BackendReady. */
export interface TorchReady {
  engine: 'torch';
  /** The device, also the `backend` column of its rows. */
  name: TorchDevice;
  dtype: TorchDtype;
  /** Rings post their next round before computing on the block they hold (false: one blocking round at a time). */
  overlap: boolean;
  /** As given (--python, LOSSBENCH_PYTHON or python3) and resolved on PATH. */
  python: string;
  pythonPath: string;
  packagePath: string;
  deviceName: string;
  notes: string[];
  info: TorchInfo;
  /** No binding limit: torch allocates tensors of any size the device holds. */
  maxTensorBytes: null;
}

/**
 * Probes the engine and picks the device: cuda when CUDA is available, else cpu, unless one is given;
 * an explicit device that is not there is a UsageError (exit 2), as a forced tfjs backend is.
 */
export async function selectTorch(o: {
  python?: string;
  device?: TorchDevice;
  dtype: TorchDtype;
  overlap?: boolean;
}): Promise<TorchReady> {
  const python = pythonOf(o.python);
  let info: TorchInfo;
  try {
    info = await torchInfo(python);
  } catch (err) {
    throw new UsageError(`engine torch is not available: ${(err as Error).message}`);
  }
  const device = o.device ?? (info.cuda_available ? 'cuda' : 'cpu');
  if (device === 'cuda' && !info.cuda_available)
    throw new UsageError(
      `device cuda: torch ${info.torch_version} in ${info.python_executable} sees no CUDA device (use --device cpu)`,
    );
  const deviceName =
    device === 'cuda'
      ? (info.gpu_names[0] ?? 'CUDA device')
      : `${os.cpus()[0]?.model?.trim() || `${os.arch()} CPU`} (torch)`;
  const notes = [
    `torch: selected (torch ${info.torch_version} in ${info.python_executable}, ${describeDevice(info, device)}, ${o.dtype}, rings ${o.overlap === false ? 'not overlapped' : 'overlapped'})`,
  ];
  return {
    engine: 'torch',
    name: device,
    dtype: o.dtype,
    overlap: o.overlap ?? true,
    python,
    pythonPath: info.python_executable,
    packagePath: torchPackagePath(),
    deviceName,
    notes,
    info,
    maxTensorBytes: null,
  };
}

/** "cpu", or "cuda: 8 GPUs (NVIDIA H200), CUDA 12.4, NCCL 2.21.5". */
export function describeDevice(info: TorchInfo, device: TorchDevice): string {
  if (device === 'cpu') return 'cpu';
  const names = [...new Set(info.gpu_names)].join(', ');
  return `cuda: ${info.gpu_count} GPU${info.gpu_count === 1 ? '' : 's'} (${names}), CUDA ${info.cuda_version}, NCCL ${info.nccl_version ?? 'none'}`;
}

/**
 * `python3 -m lossbench_torch linkprobe --world W --bytes ...`: collectives timed over real
 * torch.distributed ranks, reported as nccl-tests do (algbw = size/time; busbw = algbw·(W−1)/W for
 * all-gather and reduce-scatter, which is the bytes each rank sends per second).
 */
export interface LinkProbe {
  world: number;
  /** The torch.distributed backend that carried it: gloo or nccl. */
  backend: string;
  device: TorchDevice;
  iters: number;
  /**
   * all_gather: bytes = the gathered total (W blocks), busbw = algbw·(W−1)/W; sendrecv: bytes = what each
   * rank sends to its neighbour, busbw = algbw. time_us: mean per call of the slowest rank.
   */
  results: {
    op: 'all_gather' | 'sendrecv' | string;
    bytes: number;
    time_us: number;
    algbw_GBps: number;
    busbw_GBps: number;
  }[];
  /** Per op: the time at the smallest size, µs. */
  latency_us: Record<string, number>;
  /** Across nodes: how many the ranks were spread over (W/nodes on each, node-major). */
  nodes?: number;
}

/** Runs the link probe; an Error (one line) when it cannot. */
export async function linkProbe(
  python: string,
  o: {
    world: number;
    device: TorchDevice;
    bytes: number[];
    /** Across nodes: every node runs the probe, node 0 gets the measurements. */
    nodes?: { nnodes: number; nodeRank: number; masterAddr: string; masterPort: number };
  },
  timeoutMs = 300_000,
): Promise<LinkProbe> {
  const args = ['linkprobe', '--world', String(o.world), '--device', o.device, '--bytes', o.bytes.join(',')];
  const n = o.nodes;
  if (n)
    args.push(
      ...['--nnodes', String(n.nnodes), '--node-rank', String(n.nodeRank), '--master-addr', n.masterAddr],
      ...['--master-port', String(n.masterPort), '--arrive-timeout', String((timeoutMs * 0.8) / 1000)],
    );
  const r = await runTorchCommand(python, args, timeoutMs);
  if (r.spawnError) throw new Error(`cannot run ${python}: ${r.spawnError}`);
  if (r.code !== 0) throw new Error(`linkprobe failed (exit ${r.code}): ${lastLine(r.stderr).slice(0, 300)}`);
  try {
    return JSON.parse(lastLine(r.stdout)) as LinkProbe;
  } catch {
    throw new Error(`linkprobe printed no JSON: ${lastLine(r.stdout).slice(0, 200)}`);
  }
}

/**
 * Node 0 after a sweep across nodes whose last distributed scenario it did not serve: hosts its store once
 * more, saying the sweep is over, until every other node has passed that scenario over (or none has said a
 * word for `quietS`), so that none waits out its --timeout for it. Returns the command's last stderr line.
 */
export async function farewell(
  python: string,
  o: { nnodes: number; masterAddr: string; masterPort: number; end: number; last: number; quietS: number },
  timeoutMs: number,
): Promise<string> {
  const args = ['farewell', '--nnodes', String(o.nnodes), '--master-addr', o.masterAddr];
  args.push('--master-port', String(o.masterPort), '--end', String(o.end), '--last', String(o.last));
  const r = await runTorchCommand(python, [...args, '--quiet', String(o.quietS)], timeoutMs);
  if (r.spawnError) throw new Error(`cannot run ${python}: ${r.spawnError}`);
  if (r.code !== 0) throw new Error(`farewell failed (exit ${r.code}): ${lastLine(r.stderr).slice(0, 300)}`);
  return lastLine(r.stderr);
}

/** One implementation of the torch engine as `python -m lossbench_torch impls` probes it. */
export interface TorchImpl {
  name: string;
  /** The PyPI package ('' for lossbench's own). */
  package: string;
  version: string | null;
  losses: string[];
  strategies: string;
  probes: { loss: string; runs: boolean; reason: string }[];
}

/** Each implementation, its version and whether a tiny step runs here (and passes the float64 check). */
export async function torchImpls(python: string): Promise<{ device: string; impls: TorchImpl[] }> {
  const r = await runTorchCommand(python, ['impls'], 600_000);
  if (r.code !== 0) throw new Error(`${python} -m lossbench_torch impls failed: ${lastLine(r.stderr).slice(0, 300)}`);
  return JSON.parse(lastLine(r.stdout)) as { device: string; impls: TorchImpl[] };
}
