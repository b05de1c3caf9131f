// The contract between the engines (contract/strategies.json): generated from the registry and fresh,
// its tables in the docs fresh, its formula language strict, and the PyTorch engine's reading of it
// (engines/torch/lossbench_torch/contract.py, which needs no torch) equal to TypeScript's at W = 1..8.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { CONTRACT_PATH, contractText, TABLE_DOCS, withStrategyTable } from '../src/results/contract.js';
import { STRATEGY_LIST, stepSize } from '../src/distributed/registry.js';
import { predictedComm } from '../src/distributed/formulas.js';
import { IMPLS } from '../src/losses/types.js';
import { compile, evaluate } from '../src/util/expr.js';
import { pythonOf, torchEnv } from '../src/engine/torch.js';

test('contract: contract/strategies.json and the docs tables are what npm run contract writes', () => {
  assert.equal(readFileSync(CONTRACT_PATH, 'utf8'), contractText(), `${CONTRACT_PATH} is stale: npm run contract`);
  for (const doc of TABLE_DOCS)
    assert.equal(readFileSync(doc, 'utf8'), withStrategyTable(readFileSync(doc, 'utf8')), `${doc}: npm run contract`);
});

test('contract: the formula language evaluates its grammar and refuses anything else', () => {
  assert.equal(evaluate('2*floor((W-1)/2) + (W-1)%2 - min(W, 3) + max(b, -D)', { W: 4, b: 1, D: 2 }), 2 + 1 - 3 + 1);
  assert.equal(evaluate(' -(2 + 3) * 4 ', {}), -20);
  for (const bad of ['W**2', 'W <2', '1.5*W', 'abs(W)', 'W +', '(W', 'W)', 'x'])
    assert.throws(() => compile(bad)({ W: 1 }), RangeError, bad);
  assert.throws(() => evaluate('(W-2)%2', { W: 1 }), /negative/);
});

/** What lossbench_torch.contract's dump holds, computed here from the registry. */
function tsDump(worlds: number[]): Record<string, unknown> {
  const [b, D] = [3, 5];
  const out: Record<string, unknown> = {};
  for (const s of STRATEGY_LIST)
    for (const W of worlds) {
      const size = stepSize(W, b, D);
      const c = predictedComm(s.loss, s.name, W, b, D, 4);
      out[`${s.key}@${W}`] = {
        comm: Object.fromEntries(
          Object.entries(s.comm(W)).map(([k, ph]) => [
            k,
            { fwd: [ph.fwd.blocks, ph.fwd.rounds], bwd: [ph.bwd.blocks, ph.bwd.rounds] },
          ]),
        ),
        bytes: { bytes_sent: c.bytesSent, bytes_received: c.bytesReceived, rounds: c.rounds },
        flops: Object.fromEntries(IMPLS.map((impl) => [impl, s.flops(impl, size)])),
        logitBlock: s.logitBlock(size),
        heldFeatures: s.heldFeatures(size),
      };
    }
  return out;
}

test("contract: Python's evaluation equals TypeScript's for every strategy at W = 1..8 (no torch needed)", () => {
  const worlds = [1, 2, 3, 4, 5, 6, 7, 8];
  const py = spawnSync(pythonOf(), ['-m', 'lossbench_torch.contract', ...worlds.map(String)], {
    env: torchEnv(),
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(py.status, 0, `python -m lossbench_torch.contract: ${py.stderr || py.error?.message}`);
  assert.deepEqual(JSON.parse(py.stdout), tsDump(worlds));
});
