// Dawn's native chatter on a machine without a usable GPU stays off the screen: the WebGPU adapter is
// probed in a child process and what Dawn said goes, condensed, into the backend note.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { condenseDawnOutput, probeWebGpuAdapter } from '../src/engine/webgpu-probe.js';
import { runCli } from './helpers/run-cli.js';

const NO_VULKAN = "Couldn't load Vulkan: libvulkan.so.1: cannot open shared object file: No such file or directory";
const DAWN = '/home/runner/work/node-webgpu/node-webgpu/third_party/dawn/src/dawn/native/vulkan';
const CHATTER = [
  `Warning: ${NO_VULKAN}`,
  `    at operator() (${DAWN}/BackendVk.cpp:368)`,
  '',
  'error: XDG_RUNTIME_DIR is invalid or not set in the environment.',
  `Warning: ${NO_VULKAN}`,
  `    at InitializeImpl (${DAWN}/PhysicalDeviceVk.cpp:257)`,
  '',
].join('\n');

test('Dawn output condensed: no native stack lines, no repeats, one line', () => {
  const xdg = 'error: XDG_RUNTIME_DIR is invalid or not set in the environment.';
  assert.equal(condenseDawnOutput(CHATTER), `${NO_VULKAN}; ${xdg}`);
  assert.equal(condenseDawnOutput(''), '');
  assert.ok(condenseDawnOutput('x'.repeat(1000)).length <= 240);
});

const lossbench = (args: string[]) => runCli(args, { timeoutMs: 60_000 });

test("without a usable GPU, `verify --backend webgpu` prints one lossbench line, Dawn's words inside it", async (t) => {
  const probe = await probeWebGpuAdapter();
  if (probe.adapter)
    return t.skip(`this machine has a WebGPU adapter (${probe.adapter.description || probe.adapter.vendor})`);
  const r = await lossbench(['verify', '--backend', 'webgpu']);
  assert.equal(r.code, 2, r.stderr);
  const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
  assert.equal(lines.length, 1, `one line on stderr, got:\n${r.stderr}`);
  assert.match(lines[0]!, /^lossbench: backend webgpu is not available here: no WebGPU adapter found/);
  if (probe.said) assert.ok(lines[0]!.includes('Dawn said: '), 'what Dawn said is in the reason');
  assert.doesNotMatch(r.stderr, /^\s+at /m, 'no native stack lines');
});

test("without a usable GPU, `backends` starts with its own first line; the webgpu line carries Dawn's note", async (t) => {
  const probe = await probeWebGpuAdapter();
  if (probe.adapter) return t.skip('this machine has a WebGPU adapter');
  const r = await lossbench(['backends']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr.trim(), '', `nothing on stderr, got:\n${r.stderr}`);
  assert.match(r.stdout.split('\n')[0]!, /^(ok|no)\s+tensorflow\s/);
  assert.match(r.stdout, /^no\s+webgpu\s+no WebGPU adapter found/m);
});
