// `lossbench bench` on a node other than node 0: the same sweep, each distributed scenario's local ranks
// served to node 0's rendezvous, nothing written (node 0 writes the results folder); each scenario's outcome
// on this node is printed, so a node's own failure can be read where it happened.
import { scenarioId, type ScenarioSpec } from '../harness/spec.js';
import { arriveTimeoutMs, isTorch, killCurrentChild, runSweep, type EngineTarget } from '../harness/runner.js';
import { farewell } from '../engine/torch.js';
import type { NodeLayout } from '../harness/nodes.js';
import type { RunInfo } from '../results/run-info.js';
import type { ScenarioResult } from '../results/row.js';
import type { BenchOptions } from './bench.js';

/** A worker's reason when node 0 was not seen at its store for the arrive window (distributed/nodes.py). */
const NODE0_UNSEEN = /node 0 did not serve this scenario at .*, nor was it seen at work there for/;

/** A safety net only: a follower's worker ends by node 0's word (see followSweep). */
const FOLLOWER_WORKER_TIMEOUT_MS = 7 * 24 * 3600 * 1000;

/** Each scenario's place in the sweep: the same on every node given the same flags. */
export function sweepOrder(specs: ScenarioSpec[]): Map<string, number> {
  return new Map(specs.map((s, i) => [scenarioId(s), i]));
}

export function nodesInfo(n: NodeLayout): NonNullable<RunInfo['nodes']> {
  return { nnodes: n.nnodes, master_addr: n.masterAddr, master_port: n.masterPort, source: n.source };
}

/**
 * Node 0 at the end of its sweep: the other nodes wait for each distributed scenario until node 0 serves it or a
 * later one. When node 0 did not serve the last one (skipped, done before a --resume, past the time budget),
 * nothing later comes: it says the sweep is over (lossbench_torch farewell) so that they end now, not at
 * their --timeout. `served`: the ids of the scenarios it started a worker for in this run.
 */
export async function endSweepAcross(
  specs: ScenarioSpec[],
  served: Set<string>,
  backend: EngineTarget,
  nodes: NodeLayout,
  timeoutMs: number,
  log: (s: string) => void,
): Promise<void> {
  if (!isTorch(backend)) return;
  const last = specs.reduce((at, s, i) => (s.world > 1 ? i : at), -1);
  if (last < 0 || served.has(scenarioId(specs[last]!))) return;
  log(`node 0: the sweep's last distributed scenario (#${last}) was not served here; telling the other nodes`);
  const quietS = 30;
  try {
    const said = await farewell(
      backend.python,
      { ...nodes, end: specs.length, last, quietS },
      arriveTimeoutMs(timeoutMs) + (quietS + 30) * 1000,
    );
    if (said) log(said);
  } catch (err) {
    log(`lossbench: warning: the other nodes were not told the sweep is over: ${(err as Error).message}`);
  }
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
  let gone: ScenarioResult | null = null;
  const onSigint = () => {
    stop.requested = true;
    killCurrentChild();
  };
  process.on('SIGINT', onSigint);
  try {
    const { rows, notRun } = await runSweep(
      served,
      {
        dir: '',
        backend,
        timeoutMs: limits.timeoutMs,
        // node 0 times each scenario; a worker here waits for node 0 to reach it (however long node 0's earlier
        // scenarios take, while it is seen at work) and ends when node 0 ends it or is gone (nodes.py)
        workerTimeoutMs: FOLLOWER_WORKER_TIMEOUT_MS,
        force: true,
        memoryLimitBytes: limits.memoryLimitBytes,
        timeBudgetMs: null,
        nodes,
        order: sweepOrder(specs),
        onDone: (row, i) => {
          log(`[${i + 1}/${served.length}] ${row.id}: ${row.status}${row.reason ? ` (${row.reason})` : ''}`);
          if (row.status === 'timeout' && NODE0_UNSEEN.test(row.reason)) {
            gone = row; // node 0 is gone or unreachable: the next scenarios would each wait as long
            stop.requested = true;
          }
        },
      },
      stop,
    );
    if (gone) {
      const why = (gone as ScenarioResult).reason.replace(/^rank \d+: /, '');
      console.error(
        `lossbench: node ${nodes.nodeRank}: stopped: ${why} (is node 0 running, is --master-addr right?); ${notRun} more scenarios not served`,
      );
      return 1;
    }
    if (o.json) console.log(JSON.stringify({ node: nodes.nodeRank, rows }, null, 2));
    const skipped = rows.filter((r) => r.status === 'skipped').length;
    const failed = rows.filter((r) => r.status !== 'ok' && r.status !== 'skipped').length;
    log(
      `node ${nodes.nodeRank}: ${rows.length - failed - skipped} of ${rows.length} scenarios served, ${skipped} passed over by node 0, ${failed} failed here`,
    );
  } finally {
    process.off('SIGINT', onSigint);
  }
  return stop.requested ? 130 : 0;
}
