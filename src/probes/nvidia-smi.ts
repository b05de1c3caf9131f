// Device memory of NVIDIA GPUs, sampled from nvidia-smi while a scenario runs. systeminformation only
// asks nvidia-smi when lspci lists the GPU, and blocks the event loop when it does: we ask ourselves.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import type { GpuInfo } from '../scenarios/run-info.js';

const MiB = 1024 * 1024;

export function queryGpus(): GpuInfo[] {
  try {
    const r = spawnSync('nvidia-smi', ['--query-gpu=name,driver_version,memory.total', '--format=csv,noheader,nounits'], { encoding: 'utf8', timeout: 10_000 });
    if (r.status !== 0 || !r.stdout) return [];
    return r.stdout.trim().split('\n').map((line) => {
      const [name, driver, mem] = line.split(',').map((s) => s.trim());
      return { name: name ?? 'NVIDIA GPU', driver: driver ?? null, memory_total_bytes: mem ? Number(mem) * MiB : null };
    });
  } catch {
    return [];
  }
}

/** memory.used of GPU 0 in bytes, or null without nvidia-smi. */
export function memoryUsedBytes(): number | null {
  try {
    const r = spawnSync('nvidia-smi', ['--query-gpu=memory.used', '--format=csv,noheader,nounits', '-i', '0'], { encoding: 'utf8', timeout: 10_000 });
    if (r.status !== 0) return null;
    const v = Number(r.stdout.trim().split('\n')[0]);
    return Number.isFinite(v) ? v * MiB : null;
  } catch {
    return null;
  }
}

/**
 * Samples memory.used every `intervalMs` until stopped: the peak minus the baseline taken at start
 * (before the scenario's process exists, so the peak includes its CUDA/Dawn context and tfjs's buffer
 * pool: what the scenario really costs the device).
 */
export class GpuMemorySampler {
  private proc: ChildProcess | null = null;
  private peak = 0;
  private samples = 0;
  private readonly baseline: number | null;

  constructor(private readonly intervalMs = 100) {
    this.baseline = memoryUsedBytes();
  }

  start(): this {
    if (this.baseline === null) return this;
    this.proc = spawn('nvidia-smi', ['--query-gpu=memory.used', '--format=csv,noheader,nounits', '-i', '0', `-lms`, String(this.intervalMs)], { stdio: ['ignore', 'pipe', 'ignore'] });
    this.proc.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      for (const line of chunk.split('\n')) {
        const v = Number(line.trim());
        if (line.trim() && Number.isFinite(v)) {
          this.peak = Math.max(this.peak, v * MiB);
          this.samples++;
        }
      }
    });
    this.proc.on('error', () => {});
    return this;
  }

  /** Peak bytes above the baseline; null where there is no NVIDIA GPU or no sample arrived. */
  async stop(): Promise<number | null> {
    const proc = this.proc;
    this.proc = null;
    if (proc) {
      const closed = new Promise<void>((resolve) => proc.once('close', () => resolve()));
      proc.kill();
      await closed; // its last lines are read before the peak is taken
    }
    if (this.baseline === null || this.samples === 0) return null;
    return Math.max(0, this.peak - this.baseline);
  }
}
