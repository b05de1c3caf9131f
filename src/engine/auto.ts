// `--engine auto` (bench's default): torch on CUDA when a CUDA torch is found, else tfjs's WebGPU on a GPU,
// else torch on the CPU when torch is installed, else tfjs's wasm (or another CPU backend of tfjs). The
// choice comes with one line that says why, for the first line of the run and run.json's notes.
import { selectBackend, type BackendReady } from './backend.js';
import { pythonOf, selectTorch, torchInfo, type TorchInfo, type TorchReady } from './torch.js';
import type { TorchDtype } from './engines.js';

export interface AutoChoice {
  target: TorchReady | BackendReady;
  /** "engine auto: torch on cuda (torch 2.11.0 sees 1 CUDA GPU: NVIDIA H200)". */
  why: string;
}

/** What auto tries, replaceable in tests. */
export interface AutoProbes {
  torchInfo: (python: string) => Promise<TorchInfo>;
  selectTorch: typeof selectTorch;
  selectBackend: typeof selectBackend;
}

const PROBES: AutoProbes = { torchInfo, selectTorch, selectBackend };

const firstLine = (e: unknown) => String((e as Error)?.message ?? e).split('\n')[0]!;

export async function selectAuto(
  o: { python?: string; dtype: TorchDtype; overlap: boolean },
  probes: AutoProbes = PROBES,
): Promise<AutoChoice> {
  const python = pythonOf(o.python);
  let info: TorchInfo | undefined;
  let noTorch = '';
  try {
    info = await probes.torchInfo(python);
  } catch (e) {
    noTorch = firstLine(e);
  }
  const torchAt = (device: 'cuda' | 'cpu') =>
    probes.selectTorch({ python: o.python, device, dtype: o.dtype, overlap: o.overlap });
  const withWhy = (target: TorchReady | BackendReady, why: string): AutoChoice => {
    const line = `engine auto: ${why}`;
    target.notes.unshift(line);
    return { target, why: line };
  };
  if (info?.cuda_available) {
    const gpus = [...new Set(info.gpu_names)].join(', ');
    return withWhy(
      await torchAt('cuda'),
      `torch on cuda (torch ${info.torch_version} sees ${info.gpu_count} CUDA GPU${info.gpu_count === 1 ? '' : 's'}: ${gpus})`,
    );
  }
  const noCuda = info ? `torch ${info.torch_version} sees no CUDA device` : `no torch: ${noTorch}`;
  let noWebgpu: string;
  try {
    const gpu = await probes.selectBackend('webgpu');
    return withWhy(gpu, `tfjs on webgpu (${noCuda}; WebGPU found: ${gpu.deviceName})`);
  } catch (e) {
    noWebgpu = firstLine(e).replace(/^backend webgpu is not available here: /, '');
  }
  if (info)
    return withWhy(
      await torchAt('cpu'),
      `torch on cpu (${noCuda}; no WebGPU: ${noWebgpu}; torch ${info.torch_version} is installed in ${info.python_executable})`,
    );
  for (const name of ['wasm', 'tensorflow', 'cpu'] as const) {
    try {
      const cpu = await probes.selectBackend(name);
      return withWhy(cpu, `tfjs on ${name} (${noCuda}; no WebGPU: ${noWebgpu})`);
    } catch {
      /* the next */
    }
  }
  return withWhy(await probes.selectBackend('auto'), `tfjs (${noCuda}; no WebGPU: ${noWebgpu})`);
}
