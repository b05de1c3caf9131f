// run.json: what makes a results folder self-describing (hardware, versions, backend, the sweep).
import type { ScenarioSpec } from './spec.js';

export interface GpuInfo {
  name: string;
  driver: string | null;
  memory_total_bytes: number | null;
}

export interface RunInfo {
  lossbench_version: string;
  created_at: string;
  git_revision: string | null;
  host: {
    hostname: string;
    cpu_model: string;
    cpu_cores: number;
    ram_bytes: number;
    os: string;
  };
  /** From nvidia-smi where present. */
  gpus: GpuInfo[];
  node_version: string;
  tfjs_version: string;
  /** The backend the scenarios ran on, and why (what auto passed over). */
  backend: string;
  backend_notes: string[];
  /** Human-readable name of the compute device (GPU adapter or CPU model). */
  device_name: string;
  /** WebGPU adapter info and limits, when that backend ran. */
  webgpu_adapter?: { vendor: string; architecture: string; device: string; description: string; limits: Record<string, number> };
  config: {
    preset: string | null;
    /** Link preset of the modelled communication times. */
    link: string;
    scenarios: ScenarioSpec[];
    timeout_ms: number;
  };
}
