// Backend selection: tensorflow (tfjs-node-gpu, then tfjs-node) → webgpu (Dawn) → wasm → cpu.
// `auto` takes the first that works and says why each earlier one was passed over.
import os from 'node:os';
import { tf } from './tf.js';
import { UsageError } from '../util/errors.js';
import { setupWebGpu, type WebGpuInfo } from './webgpu.js';

import type { BackendName } from './engines.js';

export { BACKENDS, type BackendName } from './engines.js';

export type ConcreteBackend = Exclude<BackendName, 'auto'>;
export const AUTO_ORDER: ConcreteBackend[] = ['tensorflow', 'webgpu', 'wasm', 'cpu'];

export interface BackendReady {
  name: ConcreteBackend;
  /** The GPU adapter, the TensorFlow device or the CPU model. */
  deviceName: string;
  /** What auto passed over and why, then what was taken. */
  notes: string[];
  webgpu?: WebGpuInfo;
  /** Largest single tensor the backend can bind, bytes (WebGPU's maxStorageBufferBindingSize). */
  maxTensorBytes: number | null;
  /** Waits until queued device work is done, without reading big tensors back. */
  sync: () => Promise<void>;
}

/** Makes one backend the active tfjs backend, or throws with a one-line reason. */
export type Prober = () => Promise<Omit<BackendReady, 'notes' | 'name'>>;

const cpuModel = () => os.cpus()[0]?.model?.trim() || `${os.arch()} CPU`;

async function activate(name: string): Promise<void> {
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`tf.setBackend('${name}') failed`);
  await tf.ready();
}

export const PROBERS: Record<ConcreteBackend, Prober> = {
  async tensorflow() {
    const errors: string[] = [];
    for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
      try {
        await import(pkg);
        await activate('tensorflow');
        const gpu = pkg.endsWith('-gpu');
        return {
          deviceName: gpu ? 'TensorFlow CUDA device' : `TensorFlow on ${cpuModel()}`,
          maxTensorBytes: null,
          sync: async () => {},
        };
      } catch (err) {
        errors.push(`${pkg}: ${firstLine(err)}`);
      }
    }
    throw new Error(errors.join('; '));
  },
  async webgpu() {
    const info = await setupWebGpu();
    await activate('webgpu');
    return {
      deviceName: info.adapterName,
      webgpu: info,
      maxTensorBytes: info.limits.maxStorageBufferBindingSize ?? null,
      sync: info.sync,
    };
  },
  async wasm() {
    await import('@tensorflow/tfjs-backend-wasm');
    await activate('wasm');
    return { deviceName: `${cpuModel()} (wasm)`, maxTensorBytes: 2 ** 31, sync: async () => {} };
  },
  async cpu() {
    await activate('cpu');
    return { deviceName: `${cpuModel()} (JavaScript)`, maxTensorBytes: null, sync: async () => {} };
  },
};

export function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return (msg.split('\n').find((l) => l.trim() !== '') ?? msg).trim().slice(0, 300);
}

/**
 * Activates the requested backend. `auto` walks AUTO_ORDER; a forced backend that does not work is a
 * UsageError (one line, exit 2). `probers` is injectable so tests can simulate unavailable backends.
 */
export async function selectBackend(
  requested: BackendName,
  probers: Record<ConcreteBackend, Prober> = PROBERS,
): Promise<BackendReady> {
  const order = requested === 'auto' ? AUTO_ORDER : [requested];
  const notes: string[] = [];
  for (const name of order) {
    try {
      const ready = await probers[name]();
      const dawn = ready.webgpu?.dawnSaid ? `; Dawn said: ${ready.webgpu.dawnSaid}` : '';
      notes.push(`${name}: selected (${ready.deviceName}${dawn})`);
      return { name, notes, ...ready };
    } catch (err) {
      const why = firstLine(err);
      if (requested !== 'auto') throw new UsageError(`backend ${name} is not available here: ${why}`);
      notes.push(`${name}: passed over (${why})`);
    }
  }
  throw new UsageError(`no backend works here: ${notes.join('; ')}`);
}

/** Tries every backend in turn (for `lossbench backends`). Each works or gives its reason. */
export async function listBackends(
  probers: Record<ConcreteBackend, Prober> = PROBERS,
): Promise<{ name: ConcreteBackend; ok: boolean; detail: string }[]> {
  const out: { name: ConcreteBackend; ok: boolean; detail: string }[] = [];
  for (const name of AUTO_ORDER) {
    try {
      const r = await probers[name]();
      out.push({ name, ok: true, detail: r.deviceName });
    } catch (err) {
      out.push({ name, ok: false, detail: firstLine(err) });
    }
  }
  return out;
}
