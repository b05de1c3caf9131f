// `lossbench bench` on a node other than node 0: the same sweep, each distributed scenario's local ranks
// served to node 0's rendezvous, nothing written (node 0 writes the results folder); each scenario's outcome
// on this node is printed, so a node's own failure can be read where it happened.
import { scenarioId, type ScenarioSpec } from '../harness/spec.js';
import { killCurrentChild, runSweep, type EngineTarget } from '../harness/runner.js';
import type { NodeLayout } from '../harness/nodes.js';
import type { RunInfo } from '../results/run-info.js';
import type { BenchOptions } from './bench.js';

/** Each scenario's place in the sweep: the same on every node given the same flags. */
export function sweepOrder(specs: ScenarioSpec[]): Map<string, number> {
  return new Map(specs.map((s, i) => [scenarioId(s), i]));
}

export function nodesInfo(n: NodeLayout): NonNullable<RunInfo['nodes']> {
  return { nnodes: n.nnodes, master_addr: n.masterAddr, master_port: n.masterPort, source: n.source };
}

export async function followSweep(
  specs: ScenarioSpec[],
  backend: EngineTarget,
  o: BenchOptions,
  nodes: NodeLayout,
  limits: { timeoutMs: number; memoryLimitBytes: number | null },
): Promise<number> {
  const log = (s: string) => !o.json && console.error(s);
  for (const note of backend.notes) log(`backend ${note}`);
  const served = specs.filter((s) => s.world > 1);
  log(
    `node ${nodes.nodeRank} of ${nodes.nnodes}: serving ${served.length} distributed scenarios to node 0 at ${nodes.masterAddr}:${nodes.masterPort} (node 0 writes the results)`,
  );
  const stop = { requested: false };
  const onSigint = () => {
    stop.requested = true;
    killCurrentChild();
  };
  process.on('SIGINT', onSigint);
  try {
    const { rows } = await runSweep(
      served,
      {
        dir: '',
        backend,
        timeoutMs: limits.timeoutMs,
        force: true,
        memoryLimitBytes: limits.memoryLimitBytes,
        timeBudgetMs: null,
        nodes,
        order: sweepOrder(specs),
        onDone: (row, i) =>
          log(`[${i + 1}/${served.length}] ${row.id}: ${row.status}${row.reason ? ` (${row.reason})` : ''}`),
      },
      stop,
    );
    if (o.json) console.log(JSON.stringify({ node: nodes.nodeRank, rows }, null, 2));
    const failed = rows.filter((r) => r.status !== 'ok' && r.status !== 'skipped').length;
    log(`node ${nodes.nodeRank}: ${rows.length - failed} of ${rows.length} scenarios served, ${failed} failed here`);
  } finally {
    process.off('SIGINT', onSigint);
  }
  return stop.requested ? 130 : 0;
}
