// How many torch ranks this host can start. On torch every device of W is a real process that imports torch
// (TORCH_PROCESS_HOST_BYTES of private memory, and seconds of start-up on a busy core), and the link probe
// starts the largest W before the sweep: --world 64 on 2 cores is 65 processes, ~18 GB and minutes before a
// single step. Beyond RANKS_PER_CORE ranks per core, or beyond the memory free for their processes, bench
// refuses (--force runs it); above one rank per core (CPU) or one per GPU it warns that ranks share.
// tfjs simulates its devices in one process: no limit there.
import os from 'node:os';
import type { EngineTarget } from './runner.js';
import { isTorch } from './runner.js';
import type { ScenarioSpec } from './spec.js';
import { TORCH_PROCESS_HOST_BYTES } from '../model/torch-process.js';
import { UsageError } from '../util/errors.js';
import { formatBytes } from '../util/format.js';

export const RANKS_PER_CORE = 4;

export interface Host {
  cores: number;
  freeBytes: number;
}

const thisHost = (): Host => ({ cores: os.availableParallelism?.() ?? os.cpus().length, freeBytes: os.freemem() });

/** Warnings to print; throws a UsageError (exit 2) for a world this host should not start without --force. */
export function checkWorld(
  specs: ScenarioSpec[],
  target: EngineTarget,
  force: boolean,
  nnodes = 1,
  host = thisHost(),
): string[] {
  if (!isTorch(target) || specs.length === 0) return [];
  const world = Math.max(...specs.map((s) => s.world));
  if (world <= 1) return [];
  const local = Math.ceil(world / nnodes); // across nodes, this host starts its share of the ranks
  const processes = local + 1; // the ranks and the worker (or link probe) that starts them
  const need = processes * TORCH_PROCESS_HOST_BYTES;
  const limit = RANKS_PER_CORE * host.cores;
  const problems: string[] = [];
  if (target.name === 'cpu' && local > limit)
    problems.push(`more than ${limit} ranks (${RANKS_PER_CORE} per core) on ${host.cores} cores`);
  if (need > host.freeBytes)
    problems.push(
      `${processes} torch processes need ~${formatBytes(need)} before any tensor, ${formatBytes(host.freeBytes)} is free`,
    );
  const what = `--world ${world}: ${world} torch ranks, each a process that loads torch (~${formatBytes(TORCH_PROCESS_HOST_BYTES)}, seconds to start; the link probe starts them all first)`;
  if (problems.length && !force)
    throw new UsageError(`${what}: ${problems.join('; ')}. Lower --world, or give --force to run it anyway`);
  const warnings = problems.map((p) => `${what}: ${p} (--force)`);
  if (target.name === 'cpu' && local > host.cores && !problems.length)
    warnings.push(
      `--world ${world} on ${host.cores} cores: ranks share cores, so step and communication times include their contention`,
    );
  if (target.name === 'cuda' && local > target.info.gpu_count)
    warnings.push(`--world ${world} on ${target.info.gpu_count} GPU(s): ranks share GPUs (gloo, not NCCL)`);
  return warnings;
}
