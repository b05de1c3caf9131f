// NVIDIA GPUs as nvidia-smi sees them. systeminformation only asks nvidia-smi when lspci lists the GPU,
// and blocks the event loop when it does: we ask ourselves.
import { spawnSync } from 'node:child_process';

export interface GpuInfo {
  name: string;
  driver: string | null;
  memory_total_bytes: number | null;
}

export const MiB = 1024 * 1024;

export function queryGpus(): GpuInfo[] {
  try {
    const r = spawnSync(
      'nvidia-smi',
      ['--query-gpu=name,driver_version,memory.total', '--format=csv,noheader,nounits'],
      { encoding: 'utf8', timeout: 10_000 },
    );
    if (r.status !== 0 || !r.stdout) return [];
    return r.stdout
      .trim()
      .split('\n')
      .map((line) => {
        const [name, driver, mem] = line.split(',').map((s) => s.trim());
        return {
          name: name ?? 'NVIDIA GPU',
          driver: driver ?? null,
          memory_total_bytes: mem ? Number(mem) * MiB : null,
        };
      });
  } catch {
    return [];
  }
}

/** memory.used of GPU 0 in bytes, or null without nvidia-smi. */
export function memoryUsedBytes(): number | null {
  try {
    const r = spawnSync('nvidia-smi', ['--query-gpu=memory.used', '--format=csv,noheader,nounits', '-i', '0'], {
      encoding: 'utf8',
      timeout: 10_000,
    });
    if (r.status !== 0) return null;
    const v = Number(r.stdout.trim().split('\n')[0]);
    return Number.isFinite(v) ? v * MiB : null;
  } catch {
    return null;
  }
}
