// plan --nodes n --gpus-per-node g: per strategy the bytes on each link, the time on each, the bottleneck named,
// and the answer: which strategy to pick for the layout and why.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runPlan } from '../src/cli/plan.js';
import { predictedComm } from '../src/distributed/formulas.js';
import { LINKS } from '../src/model/comm.js';
import { UsageError } from '../src/util/errors.js';
import type { LayoutRow } from '../src/plan/layout.js';

const base = { dim: '768', chunk: '1024', dtype: 'fp32', deviceMemory: '80', link: 'nvlink4', batch: '65536' };
const layout = async (o: Record<string, string>) =>
  JSON.parse(await runPlan({ ...base, ...o, json: true })) as { layout: LayoutRow[]; answer: string[] };

test('4 nodes × 8 GPUs: each node sends one GPU’s bytes between nodes, and the slower link sets the time', async () => {
  const j = await layout({ nodes: '4', gpusPerNode: '8' });
  assert.equal(j.layout.length, 6, 'one row per loss × distributed strategy');
  const ib = LINKS['ib-ndr']!;
  const nv = LINKS.nvlink4!;
  for (const r of j.layout) {
    const c = predictedComm(r.loss, r.strategy, 32, 65536 / 32, 768, 4);
    assert.equal(r.interBytesPerNode, c.bytesSent, r.strategy);
    assert.equal(r.intraBytesPerDevice, c.bytesSent, r.strategy);
    assert.equal(r.rounds, c.rounds);
    assert.ok(Math.abs(r.interMs - (c.rounds * ib.latencyS + c.bytesSent / ib.bytesPerSecond) * 1e3) < 1e-9);
    assert.ok(Math.abs(r.intraMs - (c.rounds * nv.latencyS + c.bytesSent / nv.bytesPerSecond) * 1e3) < 1e-9);
    assert.equal(r.bottleneck, 'inter-node');
    assert.equal(r.commMs, r.interMs);
    assert.ok(Math.abs(r.stepMs - r.computeMs - r.commMs) < 1e-9);
  }
  assert.equal(j.answer.length, 3);
  assert.match(j.answer[0]!, /^clip: pick clip\/\S+ — it fits .* compute .* communication on the inter-node link/);
  assert.match(j.answer[1]!, /^siglip: pick siglip\//);
  const text = await runPlan({ ...base, nodes: '4', gpusPerNode: '8' });
  assert.match(
    text,
    /layout: 4 nodes × 8 GPUs \(W = 32, ranks node-major\); within a node nvlink4 .* between nodes ib-ndr/,
  );
  assert.match(text, /\nAnswer:\n {2}clip: pick /);
});

test('one node: only the intra-node link; one GPU per node: only the inter-node link; a fast network moves the bottleneck', async () => {
  const one = await layout({ nodes: '1', gpusPerNode: '8' });
  for (const r of one.layout) assert.deepEqual([r.interBytesPerNode, r.interMs, r.bottleneck], [0, 0, 'intra-node']);
  const flat = await layout({ nodes: '8', gpusPerNode: '1' });
  for (const r of flat.layout) assert.deepEqual([r.intraBytesPerDevice, r.intraMs, r.bottleneck], [0, 0, 'inter-node']);
  const fast = await layout({ nodes: '2', gpusPerNode: '4', linkIntra: '10:20', linkInter: '900:1' });
  for (const r of fast.layout) assert.equal(r.bottleneck, 'intra-node');
});

test('bad layout flags are usage errors naming the flag', async () => {
  for (const [o, message] of [
    [{ nodes: '4', gpusPerNode: '8', world: '16' }, /^world: --world 16 is not --nodes × --gpus-per-node = 32/],
    [{ world: '8', linkInter: 'ib-ndr' }, /^link-intra: --link-intra and --link-inter go with --nodes/],
    [{ nodes: '4' }, /^gpus-per-node: required/],
    [{ nodes: '2', gpusPerNode: '4', linkInter: 'carrier-pigeon' }, /^link-inter: .*carrier-pigeon.*<GB\/s>:<µs>/],
    [{ nodes: '2', gpusPerNode: '4', linkIntra: '0:5' }, /^link-intra: expected a positive number/],
  ] as const)
    await assert.rejects(
      runPlan({ ...base, ...o }),
      (e: Error) => e instanceof UsageError && message.test(e.message),
      JSON.stringify(o),
    );
});
