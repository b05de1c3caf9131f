// Per-kernel profile of one step (the design behind `--profile`): where a step's time goes, kernel by
// kernel. On WebGPU with 'timestamp-query' (src/engine/webgpu.ts requests it when the adapter has it)
// tfjs times every program on the GPU: tf.profile gives each tfjs kernel's GPU time, and its extraInfo
// ("Program: ms, …") the programs inside; programs launched directly (the fused kernels) are seen only
// by backend.time, which timePrograms wraps. On cpu and wasm the times are wall times per kernel.
//
// What no kernel table shows is host work between kernels (tf.eye(N) for SigLIP's naive labels is built
// in a JavaScript buffer and uploaded): hence `unaccounted_ms`, the step's wall time not covered by kernels.
import { tf } from '../engine/tf.js';

/** One timed launch: a tfjs kernel (MatMul, Exp, …) or a WebGPU program (its class name). */
export interface KernelTiming {
  name: string;
  ms: number;
}

export interface KernelRow {
  name: string;
  calls: number;
  total_ms: number;
  mean_ms: number;
  /** Of all kernel time in the step. */
  share: number;
}

export interface KernelTable {
  /** The `top` kernels by total time, largest first. */
  rows: KernelRow[];
  /** Everything past the top, summed (null when nothing is left). */
  rest: KernelRow | null;
  total_ms: number;
  /** wall_ms − total_ms where a wall time was given (host work, uploads, gaps), else null. */
  unaccounted_ms: number | null;
}

/** Groups timings by name, sorts by total time, keeps the top `top` and sums the rest. */
export function aggregate(timings: readonly KernelTiming[], top = 10, wallMs?: number): KernelTable {
  const byName = new Map<string, { calls: number; total: number }>();
  for (const t of timings) {
    const g = byName.get(t.name) ?? { calls: 0, total: 0 };
    g.calls++;
    g.total += t.ms;
    byName.set(t.name, g);
  }
  const total = timings.reduce((a, t) => a + t.ms, 0);
  const row = (name: string, calls: number, sum: number): KernelRow => ({
    name,
    calls,
    total_ms: sum,
    mean_ms: calls ? sum / calls : 0,
    share: total > 0 ? sum / total : 0,
  });
  const all = [...byName]
    .map(([name, g]) => row(name, g.calls, g.total))
    .sort((a, b) => b.total_ms - a.total_ms || a.name.localeCompare(b.name));
  const past = all.slice(top);
  return {
    rows: all.slice(0, top),
    rest: past.length
      ? row(
          `(${past.length} more)`,
          past.reduce((a, r) => a + r.calls, 0),
          past.reduce((a, r) => a + r.total_ms, 0),
        )
      : null,
    total_ms: total,
    unaccounted_ms: wallMs === undefined ? null : wallMs - total,
  };
}

/** tfjs-backend-webgpu's per-program string, "Name: ms, Name: ms" (getExtraProfileInfo), as timings. */
export function parseProgramTimes(extraInfo: string): KernelTiming[] {
  if (!extraInfo.trim()) return [];
  return extraInfo.split(', ').map((part) => {
    const at = part.lastIndexOf(': ');
    const ms = Number(part.slice(at + 2));
    if (at < 0 || !Number.isFinite(ms)) throw new Error(`unreadable program timing "${part}" in "${extraInfo}"`);
    return { name: part.slice(0, at), ms };
  });
}

export interface StepProfile {
  /** tfjs kernels as tf.profile saw them. */
  kernels: KernelTiming[];
  /** WebGPU programs inside those kernels (empty on other backends). */
  programs: KernelTiming[];
  wall_ms: number;
}

/**
 * Runs `step` once under tf.profile and returns its kernel and program times; disposes what the step
 * returns. Times are GPU times on WebGPU with timestamp-query, zeros on WebGPU without it (tfjs warns),
 * wall times per kernel on cpu and wasm.
 */
export async function profileStep(step: () => tf.TensorContainer): Promise<StepProfile> {
  const start = performance.now();
  const info = await tf.profile(step);
  const wall = performance.now() - start;
  tf.dispose(info.result as tf.TensorContainer);
  const kernels = info.kernels.map((k) => ({ name: k.name, ms: Number(k.kernelTimeMs) || 0 }));
  const programs = info.kernels.flatMap((k) => (typeof k.extraInfo === 'string' ? parseProgramTimes(k.extraInfo) : []));
  return { kernels, programs, wall_ms: wall };
}

/** Programs launched in `f` directly on the backend (the fused kernels), through backend.time. */
export async function timePrograms(f: () => void): Promise<KernelTiming[]> {
  const backend = tf.backend() as unknown as {
    time: (f: () => void) => Promise<{ kernelMs: number; getExtraProfileInfo?: () => string }>;
  };
  const t = await backend.time(f);
  return t.getExtraProfileInfo ? parseProgramTimes(t.getExtraProfileInfo()) : [{ name: '(all)', ms: t.kernelMs }];
}

/** The table as text: one line per kernel, then the rest, the total and what no kernel accounts for. */
export function formatTable(t: KernelTable): string {
  const ms = (v: number) => `${v.toFixed(3)} ms`;
  const line = (r: KernelRow) =>
    `${r.name.padEnd(28)} ${String(r.calls).padStart(5)} × ${ms(r.mean_ms).padStart(12)} = ${ms(r.total_ms).padStart(12)}  ${(100 * r.share).toFixed(1).padStart(5)}%`;
  const out = t.rows.map(line);
  if (t.rest) out.push(line(t.rest));
  out.push(`${'total in kernels'.padEnd(28)} ${ms(t.total_ms).padStart(35)}`);
  if (t.unaccounted_ms !== null)
    out.push(`${'not in any kernel'.padEnd(28)} ${ms(t.unaccounted_ms).padStart(35)}  (host work, uploads, gaps)`);
  return out.join('\n');
}
