// run.json: what makes a results folder self-describing (hardware, versions, backend, the sweep).
import type { Link } from '../model/comm.js';
import type { Fingerprint } from '../probes/system.js';
import type { EngineName, TorchDevice, TorchDtype } from '../engine/engines.js';
import type { LinkProbe, TorchInfo } from '../engine/torch.js';
import type { ScenarioSpec } from './scenario.js';

export interface RunInfo extends Fingerprint {
  created_at: string;
  /** The backend the scenarios ran on, and why (what auto passed over). */
  backend: string;
  backend_notes: string[];
  /** Human-readable name of the compute device (GPU adapter or CPU model). */
  device_name: string;
  /** WebGPU adapter info and limits, when that backend ran. */
  webgpu_adapter?: {
    vendor: string;
    architecture: string;
    device: string;
    description: string;
    limits: Record<string, number>;
  };
  /** The engine of every scenario; absent in runs made before the torch engine (tfjs). */
  engine?: EngineName;
  /** torch runs: the Python and package that served them, device, dtype, and `lossbench_torch info`. */
  torch?: {
    /** As given (--python, LOSSBENCH_PYTHON or python3) and as resolved on PATH. */
    python: string;
    python_path: string;
    package_path: string;
    device: TorchDevice;
    dtype: TorchDtype;
    /** Rings overlapped their transfers (absent in older runs: they did not). */
    overlap?: boolean;
    /** torch, CUDA and NCCL versions, the GPUs and their topology. */
    info: TorchInfo;
  };
  /** torch runs with W > 1: the link measured by `lossbench_torch linkprobe` (plan --link-from reads it). */
  link_probe?: LinkProbe;
  /** Across nodes: how many, and where they met (node 0 writes the folder; harness/nodes.ts). */
  nodes?: { nnodes: number; master_addr: string; master_port: number; source: string };
  config: {
    preset: string | null;
    /** Link of the modelled communication times (a preset's name in runs of older versions). */
    link: Link | string;
    scenarios: ScenarioSpec[];
    timeout_ms: number;
  };
}
