// run.json: what makes a results folder self-describing (hardware, versions, backend, the sweep).
import type { Fingerprint } from '../probes/system.js';
import type { ScenarioSpec } from './scenario.js';

export interface RunInfo extends Fingerprint {
  created_at: string;
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
