// A fingerprint of the machine and software, for run.json: reports from different hardware are only
// comparable when they say what they ran on.
import os from 'node:os';
import { execFileSync } from 'node:child_process';
import pkg from '../../package.json' with { type: 'json' };
import si from 'systeminformation';
import { tf } from '../engine/tf.js';
import { queryGpus, type GpuInfo } from '../engine/nvidia-smi.js';

function gitRevision(): string | null {
  try {
    return (
      execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim() || null
    );
  } catch {
    return null;
  }
}

export function lossbenchVersion(): string {
  return pkg.version;
}

/** What ran the scenarios: the first fields of run.json. */
export interface Fingerprint {
  lossbench_version: string;
  git_revision: string | null;
  host: { hostname: string; cpu_model: string; cpu_cores: number; ram_bytes: number; os: string };
  /** From nvidia-smi where present. */
  gpus: GpuInfo[];
  node_version: string;
  tfjs_version: string;
}

export async function fingerprint(): Promise<Fingerprint> {
  const [cpu, mem, osInfo] = await Promise.all([si.cpu(), si.mem(), si.osInfo()]);
  return {
    lossbench_version: lossbenchVersion(),
    git_revision: gitRevision(),
    host: {
      hostname: os.hostname(),
      cpu_model: `${cpu.manufacturer} ${cpu.brand}`.trim() || os.cpus()[0]?.model || 'unknown CPU',
      cpu_cores: cpu.cores || os.cpus().length,
      ram_bytes: mem.total,
      os: `${osInfo.distro} ${osInfo.release} (${osInfo.platform} ${osInfo.arch}, kernel ${osInfo.kernel})`,
    },
    gpus: queryGpus(),
    node_version: process.version,
    tfjs_version: tf.version.tfjs ?? tf.version_core,
  };
}
