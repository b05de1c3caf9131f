// The model against the wire: α and β fitted to a run's link probe predict each distributed row's comm time from
// the contract; ring rows are held to 25 %, and a miss is named with its reason, in the report section too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { predictedComm } from '../src/distributed/formulas.js';
import type { LinkProbe } from '../src/engine/torch.js';
import type { RunInfo } from '../src/results/run-info.js';
import { probedLink, wireBlocks, wireComparison } from '../src/report/wire.js';
import { resultRow } from './helpers/result-row.js';

// A link of α = 1 ms per round and β = 25 MB/s, as a probe of W = 4 would see it (exact times).
const alpha = 1e-3;
const beta = 25e6;
const probe: LinkProbe = {
  world: 4,
  backend: 'gloo',
  device: 'cpu',
  iters: 20,
  nodes: 2,
  latency_us: {},
  results: [16, 1 << 20, 4 << 20].flatMap((bytes) => [
    { op: 'all_gather', bytes, time_us: (3 * alpha + (bytes * 3) / 4 / beta) * 1e6, algbw_GBps: 0, busbw_GBps: 0 },
    { op: 'sendrecv', bytes, time_us: (alpha + bytes / beta) * 1e6, algbw_GBps: 0, busbw_GBps: 0 },
  ]),
};
const info = { link_probe: probe } as unknown as RunInfo;

function row(loss: 'clip' | 'siglip', strategy: string, measuredMs: number, stepMs = 2 * measuredMs) {
  const c = predictedComm(loss, strategy, 4, 64, 4096, 4);
  return resultRow({
    loss,
    impl: 'chunked',
    strategy,
    n: 256,
    world: 4,
    local_batch: 64,
    dim: 4096,
    engine: 'torch',
    comm_bytes_sent: c.bytesSent,
    comm_rounds: c.rounds,
    comm_ms_measured: measuredMs,
    step_ms_median: stepMs,
  });
}

test('the probe fit recovers α and β, and predictions follow rounds·α + bytes/β', () => {
  const link = probedLink(info)!;
  assert.ok(Math.abs(link.latencyS - alpha) < 1e-9);
  assert.ok(Math.abs(link.bytesPerSecond / beta - 1) < 1e-9);
  const [w] = wireComparison([row('siglip', 'ring', 300)], link);
  const expected = (6 * alpha + (6 * 64 * 4096 * 4) / beta) * 1e3; // 6 rounds of 1 MiB
  assert.ok(Math.abs(w!.predictedMs - expected) < 1e-6);
  assert.equal(w!.ring, true);
  assert.equal(w!.within, Math.abs(expected - 300) <= 75);
});

test('ring rows off by more than 25 % are named with the reason; all-gathers are shown, not held', () => {
  const link = probedLink(info)!;
  const predicted = (r: ReturnType<typeof row>) => wireComparison([r], link)[0]!.predictedMs;
  const ok = row('clip', 'ring', 1);
  ok.comm_ms_measured = predicted(ok) * 1.1;
  const slow = row('siglip', 'ring-bidir', 1);
  slow.comm_ms_measured = predicted(slow) * 2;
  slow.step_ms_median = slow.comm_ms_measured * 1.2;
  const gather = row('siglip', 'allgather', 1);
  gather.comm_ms_measured = predicted(gather) * 3;
  const single = resultRow({ loss: 'clip', impl: 'chunked', n: 64, comm_ms_measured: 5 });
  const w = wireComparison([ok, slow, gather, single], link);
  assert.deepEqual(
    w.map((x) => [x.strategy, x.ring, x.within]),
    [
      ['clip/ring', true, true],
      ['siglip/ring-bidir', true, false],
      ['siglip/allgather', false, false],
    ],
  );
  assert.match(w[1]!.why, /^50 % below the measurement: collectives took 83 % of the step/);
  const blocks = wireBlocks(info, [ok, slow, gather], 'results/x');
  const [head, para] = blocks;
  assert.equal(head?.kind === 'h' && head.text, 'Communication: the model against the wire');
  const p = para?.kind === 'p' ? para.text : '';
  assert.match(p, /α 1\.00e\+3 µs per round, β 25\.0 MB\/s \(gloo, W = 4 over 2 nodes\)/);
  assert.match(p, /plan --link-from results\/x/);
  assert.match(p, /1 of 2 ring scenarios are off by more than 25 %: siglip\/chunked\/ring-bidir\S* \(50 % below/);
  assert.deepEqual(wireBlocks({} as RunInfo, [ok], 'x'), [], 'no probe, no section');
});
