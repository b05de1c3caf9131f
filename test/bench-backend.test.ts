// Backend selection with unavailable backends simulated through injected probers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from '../src/util/errors.js';
import { AUTO_ORDER, listBackends, selectBackend, type ConcreteBackend, type Prober } from '../src/engine/backend.js';

/** Fake probers: a string is the error an unavailable backend throws; null means it works. */
function fakes(errors: Partial<Record<ConcreteBackend, string>>) {
  const calls: ConcreteBackend[] = [];
  const probers = {} as Record<ConcreteBackend, Prober>;
  for (const name of AUTO_ORDER) {
    probers[name] = async () => {
      calls.push(name);
      const err = errors[name];
      if (err !== undefined) throw new Error(err);
      return { deviceName: `fake ${name} device`, maxTensorBytes: null, sync: async () => {} };
    };
  }
  return { probers, calls };
}

test('auto walks tensorflow → webgpu → wasm → cpu', () => {
  assert.deepEqual(AUTO_ORDER, ['tensorflow', 'webgpu', 'wasm', 'cpu']);
});

test('auto: tensorflow and webgpu unavailable → wasm, and the notes say why, in order', async () => {
  const { probers, calls } = fakes({
    tensorflow: "Cannot find package '@tensorflow/tfjs-node-gpu'\n    at resolve (node:internal)",
    webgpu: 'no WebGPU adapter (Vulkan loader missing)',
  });
  const b = await selectBackend('auto', probers);
  assert.equal(b.name, 'wasm');
  assert.equal(b.deviceName, 'fake wasm device');
  assert.deepEqual(b.notes, [
    "tensorflow: passed over (Cannot find package '@tensorflow/tfjs-node-gpu')", // first line only
    'webgpu: passed over (no WebGPU adapter (Vulkan loader missing))',
    'wasm: selected (fake wasm device)',
  ]);
  assert.deepEqual(calls, ['tensorflow', 'webgpu', 'wasm'], 'cpu is never tried once wasm works');
});

test('auto: only cpu works → cpu, with three reasons before it', async () => {
  const { probers } = fakes({ tensorflow: 'a', webgpu: 'b', wasm: 'c' });
  const b = await selectBackend('auto', probers);
  assert.equal(b.name, 'cpu');
  assert.deepEqual(
    b.notes.map((n) => n.split(':')[0]),
    ['tensorflow', 'webgpu', 'wasm', 'cpu'],
  );
  assert.match(b.notes[2]!, /^wasm: passed over \(c\)$/);
});

test('auto: nothing works → UsageError listing every reason', async () => {
  const { probers } = fakes({ tensorflow: 'a', webgpu: 'b', wasm: 'c', cpu: 'd' });
  await assert.rejects(selectBackend('auto', probers), (err: unknown) => {
    assert.ok(err instanceof UsageError);
    assert.match(
      err.message,
      /^no backend works here: tensorflow: passed over \(a\); webgpu: passed over \(b\); wasm: passed over \(c\); cpu: passed over \(d\)$/,
    );
    return true;
  });
});

test('a forced backend that is unavailable is a UsageError, with no fallback', async () => {
  const { probers, calls } = fakes({ webgpu: 'no adapter\nmore detail' });
  await assert.rejects(selectBackend('webgpu', probers), (err: unknown) => {
    assert.ok(err instanceof UsageError);
    assert.equal(err.message, 'backend webgpu is not available here: no adapter');
    return true;
  });
  assert.deepEqual(calls, ['webgpu']);
  const forced = await selectBackend('cpu', probers);
  assert.equal(forced.name, 'cpu');
  assert.deepEqual(forced.notes, ['cpu: selected (fake cpu device)']);
});

test('listBackends reports each backend, in auto order, working or with its reason', async () => {
  const { probers, calls } = fakes({
    tensorflow: 'libtensorflow.so: cannot open shared object file',
    webgpu: 'no adapter',
  });
  const list = await listBackends(probers);
  assert.deepEqual(list, [
    { name: 'tensorflow', ok: false, detail: 'libtensorflow.so: cannot open shared object file' },
    { name: 'webgpu', ok: false, detail: 'no adapter' },
    { name: 'wasm', ok: true, detail: 'fake wasm device' },
    { name: 'cpu', ok: true, detail: 'fake cpu device' },
  ]);
  assert.deepEqual(calls, AUTO_ORDER, 'every backend is probed');
});
