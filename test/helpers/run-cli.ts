// Runs `lossbench ...` from the sources in a child process and collects what it printed.
import { spawn } from 'node:child_process';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '..', '..');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `lossbench bench ...` (runCli). */
export function runBenchCli(
  args: string[],
  opts: { env?: Record<string, string>; timeoutMs: number },
): Promise<CliRun> {
  return runCli(['bench', ...args], opts);
}

/** `lossbench ...`: resolves when the child closes; a child still running after `timeoutMs` is SIGKILLed. */
export function runCli(args: string[], opts: { env?: Record<string, string>; timeoutMs: number }): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...opts.env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
