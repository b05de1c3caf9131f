// Asks Dawn for a WebGPU adapter in a child process. Dawn's native code writes straight to fd 2 (no
// Vulkan loader, XDG_RUNTIME_DIR unset, source locations of its own errors), which Node cannot redirect
// around an in-process call; in a child that stderr is ours to read. So a machine without a usable GPU
// never shows Dawn's chatter: it comes back condensed, for the backend note.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export interface AdapterProbe {
  /** The adapter Dawn offers, or null when it found none. */
  adapter: { vendor: string; architecture: string; device: string; description: string } | null;
  /** What Dawn printed, condensed to one line ('' when it was silent). */
  said: string;
}

const PROBE_TIMEOUT_MS = 30_000;

// Runs as an ES module in the child; the webgpu package's URL comes in the environment.
const SCRIPT = `
const { create } = await import(process.env.LOSSBENCH_WEBGPU_URL);
const adapter = await create([]).requestAdapter({ powerPreference: 'high-performance' });
const i = adapter ? adapter.info ?? {} : null;
const fields = ['vendor', 'architecture', 'device', 'description'];
process.stdout.write(JSON.stringify(i && Object.fromEntries(fields.map((k) => [k, i[k] ?? '']))));
process.exit(0);
`;

/** Where the `webgpu` package is, from this module (or, in the bundle, from the running script). */
function webgpuUrl(): string {
  const from =
    (import.meta.url as string | undefined) ??
    pathToFileURL(process.argv[1] ?? join(process.cwd(), 'lossbench.js')).href;
  return pathToFileURL(createRequire(from).resolve('webgpu')).href;
}

/**
 * Dawn's stderr as one line: its native stack lines ("at InitializeImpl (…/PhysicalDeviceVk.cpp:257)")
 * dropped, "Warning: " prefixes cut, repeats once.
 */
export function condenseDawnOutput(text: string, max = 240): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim().replace(/^Warning:\s*/, ''))
    .filter((l) => l !== '' && !/^at\s/.test(l));
  const said = [...new Set(lines)].join('; ');
  return said.length > max ? `${said.slice(0, max - 1)}…` : said;
}

export function probeWebGpuAdapter(): Promise<AdapterProbe> {
  let url: string;
  try {
    url = webgpuUrl();
  } catch (err) {
    return Promise.reject(new Error(`the webgpu package cannot be found (${(err as Error).message.split('\n')[0]})`));
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', SCRIPT], {
      env: { ...process.env, LOSSBENCH_WEBGPU_URL: url },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err = (err + d).slice(-16_000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), PROBE_TIMEOUT_MS);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`the WebGPU probe could not start: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const said = condenseDawnOutput(err);
      try {
        if (code !== 0) throw new Error();
        resolve({ adapter: JSON.parse(out) as AdapterProbe['adapter'], said });
      } catch {
        const how =
          signal === 'SIGKILL'
            ? `did not answer within ${PROBE_TIMEOUT_MS / 1000} s`
            : signal
              ? `was killed by ${signal}`
              : `exited with code ${code}`;
        reject(new Error(`the WebGPU probe ${how}${said ? `: ${said}` : ''}`));
      }
    });
  });
}
