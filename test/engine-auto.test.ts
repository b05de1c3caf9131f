// --engine auto (bench's default): torch on CUDA, else tfjs WebGPU, else torch on the CPU, else tfjs wasm,
// with one line saying which and why. The probes are stand-ins here; the order and the line are the test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { selectAuto, type AutoProbes } from '../src/engine/auto.js';
import type { TorchInfo, TorchReady } from '../src/engine/torch.js';
import type { BackendReady } from '../src/engine/backend.js';
import { chooseEngine } from '../src/cli/engine-options.js';

const info = (cuda: boolean): TorchInfo => ({
  python_version: '3.12',
  python_executable: '/venv/bin/python',
  torch_version: '2.11.0',
  cuda_available: cuda,
  cuda_version: cuda ? '13.0' : null,
  nccl_version: null,
  distributed_available: true,
  gloo_available: true,
  gpu_count: cuda ? 1 : 0,
  gpu_names: cuda ? ['NVIDIA H200'] : [],
  nvidia_smi_topo: null,
});

function probes(o: { torch: 'cuda' | 'cpu' | 'none'; webgpu: boolean }): AutoProbes & { tried: string[] } {
  const tried: string[] = [];
  return {
    tried,
    torchInfo: async () => {
      if (o.torch === 'none') throw new Error('no torch in python3: run scripts/setup-python.sh');
      return info(o.torch === 'cuda');
    },
    selectTorch: async (t) => ({ engine: 'torch', name: t.device ?? 'cpu', notes: [] }) as unknown as TorchReady,
    selectBackend: async (name) => {
      tried.push(name);
      if (name === 'webgpu' && !o.webgpu) throw new Error('backend webgpu is not available here: no adapter');
      return {
        name,
        deviceName: name === 'webgpu' ? 'NVIDIA H200 (Dawn)' : 'CPU',
        notes: [],
      } as unknown as BackendReady;
    },
  };
}

const opts = { dtype: 'fp32' as const, overlap: true };

test('engine auto: torch on cuda first, then WebGPU, then torch on the CPU, then wasm; the line says why', async () => {
  let p = probes({ torch: 'cuda', webgpu: true });
  let c = await selectAuto(opts, p);
  assert.equal((c.target as TorchReady).name, 'cuda');
  assert.match(c.why, /^engine auto: torch on cuda \(torch 2\.11\.0 sees 1 CUDA GPU: NVIDIA H200\)$/);
  assert.deepEqual(p.tried, []);
  assert.equal(c.target.notes[0], c.why);

  p = probes({ torch: 'cpu', webgpu: true });
  c = await selectAuto(opts, p);
  assert.equal((c.target as BackendReady).name, 'webgpu');
  assert.match(c.why, /tfjs on webgpu \(torch 2\.11\.0 sees no CUDA device; WebGPU found: NVIDIA H200 \(Dawn\)\)/);

  p = probes({ torch: 'cpu', webgpu: false });
  c = await selectAuto(opts, p);
  assert.equal((c.target as TorchReady).engine, 'torch');
  assert.match(
    c.why,
    /torch on cpu \(torch 2\.11\.0 sees no CUDA device; no WebGPU: no adapter; torch 2\.11\.0 is installed/,
  );

  p = probes({ torch: 'none', webgpu: false });
  c = await selectAuto(opts, p);
  assert.equal((c.target as BackendReady).name, 'wasm');
  assert.match(
    c.why,
    /tfjs on wasm \(no torch: no torch in python3: run scripts\/setup-python\.sh; no WebGPU: no adapter\)/,
  );
  assert.deepEqual(p.tried, ['webgpu', 'wasm']);
});

test('bench engine flags: auto by default; --backend means tfjs, --device torch; verify keeps tfjs', () => {
  assert.equal(chooseEngine({}, {}, 'auto').engine, 'auto');
  assert.equal(chooseEngine({ engine: 'auto' }, {}, 'auto').engine, 'auto');
  assert.deepEqual(chooseEngine({ backend: 'wasm' }, {}, 'auto'), { engine: 'tfjs', backend: 'wasm' });
  assert.equal(chooseEngine({ device: 'cpu' }, {}, 'auto').engine, 'torch');
  assert.equal(chooseEngine({}, { engine: 'tfjs' }, 'auto').engine, 'tfjs');
  assert.equal(chooseEngine({}).engine, 'tfjs');
  assert.throws(() => chooseEngine({ engine: 'auto' }), /engine/);
  assert.throws(
    () => chooseEngine({ engine: 'auto', backend: 'wasm' }, {}, 'auto'),
    /--backend chooses a tfjs backend/,
  );
});
