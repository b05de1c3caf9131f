// bench across nodes: the layout from flags, torchrun's or SLURM's environment; then two "nodes" on this host
// (two bench processes meeting at 127.0.0.1): node 0 writes the rows, with the contract's bytes; a rank killed on
// node 1 is a row naming node 1 and that rank; a node that never arrives is a timeout row naming it.
// The torch parts are skipped (with the reason) where the Python has no torch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBenchCli, type CliRun } from './helpers/run-cli.js';
import { noTorch as skip, PY, TINY_TORCH } from './helpers/tiny-torch.js';
import { checkWorlds, firstSlurmHost, resolveNodes } from '../src/harness/nodes.js';
import { predictedComm } from '../src/distributed/formulas.js';
import { scenarioId } from '../src/harness/spec.js';
import type { ScenarioResult } from '../src/results/row.js';
import type { RunInfo } from '../src/results/run-info.js';
import { UsageError } from '../src/util/errors.js';

test('the node layout: flags, torchrun (one lossbench per node, port + 1), SLURM, and clear errors', () => {
  assert.equal(resolveNodes({}, {}), null);
  assert.equal(
    resolveNodes({ nnodes: '1' }, { SLURM_NNODES: '4', SLURM_NODEID: '2', SLURM_JOB_NODELIST: 'a[1-4]' }),
    null,
  );
  assert.deepEqual(resolveNodes({ nnodes: '2', nodeRank: '1', masterAddr: 'h0' }, {}), {
    nnodes: 2,
    nodeRank: 1,
    masterAddr: 'h0',
    masterPort: 29500,
    source: 'flags',
  });
  const torchrun = { GROUP_RANK: '1', WORLD_SIZE: '2', LOCAL_WORLD_SIZE: '1', MASTER_ADDR: 'n0', MASTER_PORT: '29400' };
  assert.deepEqual(resolveNodes({}, torchrun), {
    nnodes: 2,
    nodeRank: 1,
    masterAddr: 'n0',
    masterPort: 29401,
    source: 'torchrun',
  });
  assert.throws(() => resolveNodes({}, { ...torchrun, LOCAL_WORLD_SIZE: '8' }), /--nproc-per-node 1/);
  const slurm = { SLURM_NNODES: '4', SLURM_NODEID: '3', SLURM_JOB_NODELIST: 'gpu[07-10],x' };
  assert.deepEqual(resolveNodes({ masterPort: '29600' }, slurm), {
    nnodes: 4,
    nodeRank: 3,
    masterAddr: 'gpu07',
    masterPort: 29600,
    source: 'slurm',
  });
  assert.equal(firstSlurmHost('node1,node2'), 'node1');
  assert.equal(firstSlurmHost('a[003,9-12]'), 'a003');
  for (const [flags, message] of [
    [{ nnodes: '2', masterAddr: 'h' }, /^node-rank: required/],
    [{ nnodes: '2', nodeRank: '2', masterAddr: 'h' }, /^node-rank: 2 is not below --nnodes 2/],
    [{ nnodes: '2', nodeRank: '0' }, /^master-addr: required/],
    [{ nodeRank: '0', masterAddr: 'h' }, /^nnodes: required/],
    [{ nnodes: '2', nodeRank: '0', masterAddr: 'h', masterPort: '70000' }, /^master-port: expected a port/],
  ] as const)
    assert.throws(
      () => resolveNodes(flags, {}),
      (e: Error) => e instanceof UsageError && message.test(e.message),
    );
  const layout = resolveNodes({ nnodes: '2', nodeRank: '0', masterAddr: 'h' }, {})!;
  checkWorlds([1, 2, 4], layout);
  assert.throws(() => checkWorlds([2, 3], layout), /world: 3 not a multiple of --nnodes 2/);
});

test('bench refuses nodes for tfjs, and a world that does not share out over the nodes (exit 2, one line)', async () => {
  const nodes = ['--nnodes', '2', '--node-rank', '0', '--master-addr', '127.0.0.1'];
  for (const [args, message] of [
    [['--backend', 'cpu', ...nodes], /nnodes: across nodes needs --engine torch/],
    [
      ['--engine', 'torch', '--device', 'cpu', '--strategy', 'ring', '--world', '3', '--local-batch', '4', ...nodes],
      /world: 3 not a multiple/,
    ],
  ] as const) {
    const r = await runBenchCli([...args, '--out', mkdtempSync(join(tmpdir(), 'lossbench-mn-'))], {
      env: { LOSSBENCH_PYTHON: PY },
      timeoutMs: 120_000,
    });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr.trim(), message);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
});

/** A port nobody listens on now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

const TINY = [...TINY_TORCH, '--loss', 'siglip', '--impl', 'chunked', '--local-batch', '4', '--no-report'];
const ENV = { LOSSBENCH_PYTHON: PY, OMP_NUM_THREADS: '1' };

interface Nodes {
  node0: CliRun;
  rows: ScenarioResult[];
  info: RunInfo | null;
  others: CliRun[];
  /** node 0's results folder */
  dir: string;
}

/** bench on `started` of `nnodes` nodes at once, all on this host; node 0's rows and run.json. */
async function across(
  args: string[],
  nnodes: number,
  started: number[],
  env: Record<string, string> = {},
  withNode0 = true,
) {
  const out = mkdtempSync(join(tmpdir(), 'lossbench-mn-'));
  const port = await freePort();
  const runs = await Promise.all(
    started.map((k) =>
      runBenchCli(
        [...TINY, ...args, '--nnodes', `${nnodes}`, '--node-rank', `${k}`, '--master-addr', '127.0.0.1'].concat([
          '--master-port',
          `${port}`,
          '--out',
          out,
        ]),
        { env: { ...ENV, ...env }, timeoutMs: 600_000 },
      ),
    ),
  );
  const dirs = readdirSync(out);
  const dir = dirs.length === 1 ? join(out, dirs[0]!) : '';
  const jsonl = dir && existsSync(join(dir, 'results.jsonl')) ? readFileSync(join(dir, 'results.jsonl'), 'utf8') : '';
  const nodes: Nodes = {
    node0: runs[started.indexOf(0)]!,
    rows: jsonl
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as ScenarioResult),
    info: dir ? (JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as RunInfo) : null,
    others: runs.filter((_, i) => started[i] !== 0),
    dir,
  };
  assert.equal(dirs.length, withNode0 ? 1 : 0, `node 0's results folder alone: ${dirs.join(', ')}`);
  return nodes;
}

const explain = (rows: ScenarioResult[]) => rows.map((r) => `${r.id}: ${r.status} ${r.reason}`).join('\n');

test(
  'two nodes on one host: node 0 records every row with the contract bytes; a rank killed on node 1 is named with its node',
  { skip },
  async () => {
    const killed = scenarioId({ loss: 'siglip', impl: 'chunked', strategy: 'ring', n: 8, world: 2, dim: 8, chunk: 4 });
    const r = await across(['--strategy', 'single,ring,allgather', '--world', '2,4'], 2, [0, 1], {
      LOSSBENCH_FAULT: `killrank:1:${killed}`,
    });
    assert.equal(r.node0.code, 0, r.node0.stderr);
    assert.equal(r.others[0]!.code, 0, r.others[0]!.stderr);
    assert.deepEqual(r.info?.nodes, {
      nnodes: 2,
      master_addr: '127.0.0.1',
      master_port: r.info!.nodes!.master_port,
      source: 'flags',
    });
    assert.equal(r.rows.length, 1 + 2 * 2, explain(r.rows));
    for (const row of r.rows) {
      if (row.id === killed) {
        assert.equal(row.status, 'error', explain(r.rows));
        assert.match(row.reason, /^node 1 rank 1 killed by SIGKILL/, explain(r.rows));
        continue;
      }
      assert.equal(row.status, 'ok', explain(r.rows));
      const c = predictedComm(row.loss, row.strategy, row.world, row.local_batch, row.dim, 4);
      assert.deepEqual([row.comm_bytes_sent, row.comm_rounds], [c.bytesSent, c.rounds], row.id);
    }
    assert.match(r.others[0]!.stderr, /node 1: 3 of 4 scenarios served, 0 passed over by node 0, 1 failed here/);
  },
);

test(
  'a node that never arrives ends the scenario before --timeout, with a timeout row naming it',
  { skip },
  async () => {
    const r = await across(['--strategy', 'ring', '--world', '4', '--timeout', '30'], 2, [0]);
    assert.equal(r.node0.code, 0, r.node0.stderr);
    assert.equal(r.rows.length, 1, explain(r.rows));
    assert.equal(r.rows[0]!.status, 'timeout');
    assert.match(r.rows[0]!.reason, /^node 1 \(ranks 2–3\) never arrived at 127\.0\.0\.1:\d+ within 25 s of the start/);
  },
);

test(
  '--resume on node 0 of a finished sweep: the other node passes over the last scenario at once, not at its --timeout',
  { skip },
  async () => {
    const args = ['--strategy', 'ring', '--world', '2', '--timeout', '120'];
    const first = await across(args, 2, [0, 1]);
    assert.equal(first.rows.length, 1, explain(first.rows));
    assert.equal(first.rows[0]!.status, 'ok', explain(first.rows));
    const dir = first.dir;
    const port = await freePort();
    const where = ['--nnodes', '2', '--master-addr', '127.0.0.1', '--master-port', `${port}`];
    const [node0, node1] = await Promise.all([
      runBenchCli(['--resume', dir, '--no-report', ...where, '--node-rank', '0'], { env: ENV, timeoutMs: 300_000 }),
      runBenchCli([...TINY, ...args, ...where, '--node-rank', '1'], { env: ENV, timeoutMs: 300_000 }),
    ]);
    assert.equal(node0.code, 0, node0.stderr);
    assert.equal(node1.code, 0, node1.stderr);
    assert.match(node0.stderr, /0 to run/);
    assert.match(node0.stderr, /node 0: every other node has passed the sweep's end/);
    assert.match(node1.stderr, /skipped \(rank 1: node 0 passed over this scenario \(its sweep ended without it/);
    assert.match(node1.stderr, /node 1: 0 of 1 scenarios served, 1 passed over by node 0, 0 failed here/);
    // (before, node 1 waited 0.9 × --timeout − 2 s = 106 s for it and recorded a timeout)
  },
);

test(
  'node 0 busy beyond the arrive window on one-device scenarios: the other node sees it at work and waits on',
  { skip },
  async () => {
    // node 0 spends 2 × (12 s + start-up) on the two one-device scenarios before the first distributed one;
    // node 1 waits for that from the start, longer than the arrive window (0.9 × 24 s − 2 s = 19.6 s)
    const singles = ['siglip/naive/single/N4/W1/D8', 'siglip/chunked/single/N4/W1/D8/c4'];
    const r = await across(
      ['--impl', 'naive,chunked', '--strategy', 'single,ring', '--world', '2', '--timeout', '24'],
      2,
      [0, 1],
      {
        LOSSBENCH_FAULT: singles.map((id) => `slow:12:${id}`).join(','),
      },
    );
    assert.equal(r.node0.code, 0, r.node0.stderr);
    assert.deepEqual(
      r.rows.map((x) => x.id),
      [...singles, 'siglip/naive/ring/N8/W2/D8', 'siglip/chunked/ring/N8/W2/D8/c4'],
    );
    for (const row of r.rows) assert.equal(row.status, 'ok', explain(r.rows));
    assert.match(r.others[0]!.stderr, /node 1: 2 of 2 scenarios served, 0 passed over by node 0, 0 failed here/);
  },
);

test(
  'a node whose node 0 is never seen stops after one arrive window, with one line and exit 1',
  { skip },
  async () => {
    const r = await across(['--strategy', 'ring,ring-bidir', '--world', '2', '--timeout', '10'], 2, [1], {}, false);
    const node1 = r.others[0]!;
    assert.equal(node1.code, 1, node1.stderr);
    const last = node1.stderr.trim().split('\n').at(-1)!;
    assert.match(
      last,
      /^lossbench: node 1: stopped: node 0 did not serve this scenario at 127\.0\.0\.1:\d+, nor was it seen at work there for 7 s \(is node 0 running, is --master-addr right\?\); 1 more scenarios not served$/,
    );
  },
);
