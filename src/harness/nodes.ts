// Across nodes: which node this is and where node 0 is, from bench's flags or a launcher's environment
// (torchrun, SLURM). Every node runs the same sweep; node 0 hosts each distributed scenario's rendezvous
// and writes the results folder (docs/worker-protocol.md, section 8).
import { UsageError } from '../util/errors.js';
import { nonNegativeInt, positiveInt } from '../util/validate.js';

export interface NodeLayout {
  nnodes: number;
  nodeRank: number;
  masterAddr: string;
  masterPort: number;
  /** Where the layout came from: the flags, torchrun's environment or SLURM's. */
  source: 'flags' | 'torchrun' | 'slurm';
}

export interface NodeFlags {
  nnodes?: string;
  nodeRank?: string;
  masterAddr?: string;
  masterPort?: string;
}

export const DEFAULT_MASTER_PORT = 29500;

/** The first host of a SLURM node list: "gpu[03-04,07],cpu1" → "gpu03". */
export function firstSlurmHost(list: string): string {
  const m = /^([^,[]+)(?:\[([^\]]+)\])?/.exec(list.trim());
  if (!m) return '';
  if (!m[2]) return m[1]!;
  const first = m[2].split(',')[0]!.split('-')[0]!;
  return `${m[1]}${first}`;
}

/** torchrun (one lossbench per node: --nproc-per-node 1) sets GROUP_RANK and LOCAL_WORLD_SIZE. */
function fromTorchrun(env: NodeJS.ProcessEnv): Partial<NodeFlags> | null {
  if (!env.GROUP_RANK || !env.MASTER_ADDR || !env.WORLD_SIZE || !env.LOCAL_WORLD_SIZE) return null;
  if (env.LOCAL_WORLD_SIZE !== '1')
    throw new UsageError(
      `torchrun: start one lossbench per node (--nproc-per-node 1, got ${env.LOCAL_WORLD_SIZE}); lossbench starts the ranks`,
    );
  // torchrun's agent holds MASTER_PORT for its own store: the scenarios meet one port above it.
  const port = env.MASTER_PORT ? String(Number(env.MASTER_PORT) + 1) : undefined;
  return { nnodes: env.WORLD_SIZE, nodeRank: env.GROUP_RANK, masterAddr: env.MASTER_ADDR, masterPort: port };
}

function fromSlurm(env: NodeJS.ProcessEnv): Partial<NodeFlags> | null {
  if (!env.SLURM_NNODES || !env.SLURM_NODEID || !env.SLURM_JOB_NODELIST) return null;
  return {
    nnodes: env.SLURM_NNODES,
    nodeRank: env.SLURM_NODEID,
    masterAddr: env.MASTER_ADDR || firstSlurmHost(env.SLURM_JOB_NODELIST),
    masterPort: env.MASTER_PORT,
  };
}

/**
 * The layout, or null for one node. Flags win over the environment, field by field; the environment is read
 * only when --nnodes is not given as 1: torchrun's (GROUP_RANK, WORLD_SIZE, LOCAL_WORLD_SIZE = 1,
 * MASTER_ADDR, MASTER_PORT + 1), else SLURM's (SLURM_NNODES, SLURM_NODEID, the first host of
 * SLURM_JOB_NODELIST, or MASTER_ADDR). Every error is a UsageError naming the flag.
 */
export function resolveNodes(o: NodeFlags, env: NodeJS.ProcessEnv = process.env): NodeLayout | null {
  const given = (['nnodes', 'nodeRank', 'masterAddr', 'masterPort'] as const).some((k) => o[k] !== undefined);
  if (o.nnodes === '1') return null;
  let source: NodeLayout['source'] = 'flags';
  let found: Partial<NodeFlags> | null = null;
  if (o.nnodes === undefined) {
    found = fromTorchrun(env);
    if (found) source = 'torchrun';
    else if ((found = fromSlurm(env))) source = 'slurm';
  }
  if (!found && !given) return null;
  const pick = (k: keyof NodeFlags) => o[k] ?? found?.[k];
  const n = pick('nnodes');
  if (n === undefined) throw new UsageError('nnodes: required with --node-rank, --master-addr or --master-port');
  const nnodes = positiveInt('nnodes', n);
  if (nnodes === 1) return null;
  const rank = pick('nodeRank');
  if (rank === undefined)
    throw new UsageError('node-rank: required with --nnodes (0 on the node that writes the results)');
  const nodeRank = nonNegativeInt('node-rank', rank);
  if (nodeRank >= nnodes) throw new UsageError(`node-rank: ${nodeRank} is not below --nnodes ${nnodes}`);
  const masterAddr = pick('masterAddr');
  if (!masterAddr)
    throw new UsageError("master-addr: required with --nnodes (node 0's address, reachable from every node)");
  const masterPort = positiveInt('master-port', pick('masterPort') ?? String(DEFAULT_MASTER_PORT));
  if (masterPort > 65535) throw new UsageError(`master-port: expected a port number, got ${masterPort}`);
  return { nnodes, nodeRank, masterAddr, masterPort, source };
}

/** Every distributed world must share out evenly over the nodes (W/nnodes ranks on each). */
export function checkWorlds(worlds: number[], layout: NodeLayout): void {
  const bad = [...new Set(worlds.filter((w) => w > 1 && w % layout.nnodes !== 0))];
  if (bad.length)
    throw new UsageError(
      `world: ${bad.join(', ')} not a multiple of --nnodes ${layout.nnodes} (each node runs W/nnodes ranks)`,
    );
}
