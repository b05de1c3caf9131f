// Device memory of the GPU, sampled from nvidia-smi while a scenario runs.
import { spawn, type ChildProcess } from 'node:child_process';
import { MiB, memoryUsedBytes } from '../engine/nvidia-smi.js';

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
    this.proc = spawn(
      'nvidia-smi',
      ['--query-gpu=memory.used', '--format=csv,noheader,nounits', '-i', '0', `-lms`, String(this.intervalMs)],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
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
