// tfjs's WebGPU backend in Node on Dawn (npm `webgpu`). tfjs-backend-webgpu registers itself only where
// navigator.gpu exists, so we request the adapter ourselves (with its own limits, so big tensors can be
// bound) and register a WebGPUBackend on that device.
import { tf } from './tf.js';
import { queryGpus } from './nvidia-smi.js';
import { probeWebGpuAdapter } from './webgpu-probe.js';

export interface WebGpuInfo {
  adapterName: string;
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  limits: Record<string, number>;
  /** What Dawn printed while it found the adapter, condensed ('' when silent or not probed here). */
  dawnSaid: string;
  /** Resolves when every command submitted so far has finished on the GPU (read a tensor first). */
  sync: () => Promise<void>;
}

const LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeWorkgroupsPerDimension',
  'maxComputeWorkgroupSizeX',
  'maxComputeInvocationsPerWorkgroup',
  'maxStorageBuffersPerShaderStage',
] as const;

let cached: WebGpuInfo | null = null;

/**
 * Set once a child process found an adapter; children (the sweep's workers) inherit it and skip the
 * probe, which stands for theirs: its second or so would be paid by every scenario.
 */
const PROBED_ENV = 'LOSSBENCH_WEBGPU_ADAPTER_FOUND';

export async function setupWebGpu(): Promise<WebGpuInfo> {
  if (cached) return cached;
  // Dawn is asked in a child first: where it finds no adapter, its native chatter stays off the screen
  // and goes, condensed, into the reason (webgpu-probe.ts).
  let dawnSaid = '';
  if (process.env[PROBED_ENV] !== '1') {
    const probe = await probeWebGpuAdapter();
    const said = probe.said ? `; Dawn said: ${probe.said}` : '';
    if (!probe.adapter) throw new Error(`no WebGPU adapter found (Dawn found no Vulkan/Metal/D3D12 device${said})`);
    dawnSaid = probe.said;
    process.env[PROBED_ENV] = '1';
  }
  // A string specifier keeps bundlers from inlining the native package (it ships Dawn as dawn.node).
  const pkg = 'webgpu';
  const webgpu = (await import(pkg)) as { create: (flags: string[]) => any; globals: Record<string, unknown> };
  Object.assign(globalThis, webgpu.globals); // GPUBufferUsage, GPUMapMode, ... used by the backend's code
  const gpu = webgpu.create([]);
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new Error('no WebGPU adapter found (Dawn found no Vulkan/Metal/D3D12 device)');
  const limits: Record<string, number> = {};
  for (const k of LIMITS) if (typeof adapter.limits[k] === 'number') limits[k] = adapter.limits[k];
  const features = ['timestamp-query'].filter((f) => adapter.features.has(f));
  const device = await adapter.requestDevice({ requiredLimits: limits, requiredFeatures: features });
  const info = adapter.info ?? {};
  (globalThis as any).navigator ??= { gpu };
  const { WebGPUBackend } = await import('@tensorflow/tfjs-backend-webgpu');
  if (!tf.findBackend('webgpu')) tf.registerBackend('webgpu', () => new WebGPUBackend(device, info), 3);
  // Dawn's description is often the driver string ("NVIDIA: 580.159.04 ..."): prefer nvidia-smi's name.
  const nvidia = /nvidia/i.test(`${info.vendor} ${info.description}`) ? queryGpus()[0]?.name : undefined;
  const adapterName =
    nvidia ??
    ([info.device, info.description, info.vendor].find((s: unknown) => typeof s === 'string' && s) || 'WebGPU adapter');
  cached = {
    adapterName,
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    device: info.device ?? '',
    description: info.description ?? '',
    limits,
    dawnSaid,
    // Waits for what was submitted. tfjs submits its batched commands when a tensor is read, so
    // callers read a small dependent tensor first (calling the backend's submitQueue from outside
    // breaks its open compute pass).
    sync: () => device.queue.onSubmittedWorkDone(),
  };
  return cached;
}
