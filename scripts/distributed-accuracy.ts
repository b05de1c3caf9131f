// Worst relative error against the float64 reference of every strategy × impl (one device included)
// at t = 100 on correlated pairs (y_i = normalise(x_i + 0.01·noise)), optionally with duplicate pairs or
// another bias: where forms that cancel (P_ii − 1, σ(l_ii) − 1, exp(l − lse) at lse ≈ 100) lose
// accuracy. cpu backend, fixed seeds.
//   node --import tsx scripts/distributed-accuracy.ts [--loss clip|siglip] [--dim 32] [--duplicates] [--bias=β]
import { stepOutputs } from '../src/losses/types.js';
import { parseArgs } from 'node:util';
import { tf } from '../src/engine/tf.js';
import { distributedStep } from '../src/distributed/index.js';
import { STRATEGIES } from '../src/distributed/registry.js';
import { errorsOf, type OutputErrors } from '../src/losses/accuracy.js';
import { correlatedInputs, disposeInputs, toTensors, withDuplicates } from '../src/losses/inputs.js';
import { IMPLS, type LossName } from '../src/losses/types.js';

const { values: opts } = parseArgs({
  options: {
    loss: { type: 'string', default: 'clip' },
    dim: { type: 'string', default: '32' },
    duplicates: { type: 'boolean', default: false },
    bias: { type: 'string' },
  },
});
const loss = opts.loss as LossName;
const D = Number(opts.dim);
const WORLDS = [2, 3, 4];
const B = 7; // local batch: N = 14, 21, 28
const CHUNK = 3; // ragged: 3 does not divide b
const SEEDS = [1, 2, 3, 4, 5];

await tf.setBackend('cpu');
const keys = ['loss', 'dx', 'dy', 'dtPrime', ...(loss === 'siglip' ? ['dBias'] : [])] as (keyof OutputErrors)[];
const fmt = (e: number) => e.toExponential(2);
const inputs = `correlated pairs${opts.duplicates ? ' with duplicates' : ''}${opts.bias ? `, β = ${opts.bias}` : ''}`;
console.log(`${loss} at t = 100, ${inputs}; W ${WORLDS.join('/')}, b = ${B}, D = ${D}, c = ${CHUNK}, seeds ${SEEDS}`);
console.log(['strategy', 'impl', ...keys].map((h) => h.padEnd(18)).join(''));
for (const strategy of STRATEGIES[loss])
  for (const impl of IMPLS) {
    const worst = Object.fromEntries(keys.map((k) => [k, 0])) as Record<string, number>;
    for (const W of WORLDS)
      for (const seed of SEEDS) {
        const n = W * B;
        let host = correlatedInputs(loss, n, D, seed, Math.log(100));
        // duplicates within a device, across devices, and the last pair
        if (opts.duplicates)
          host = withDuplicates(host, [
            [0, 1],
            [3, B + 3],
            [n - 2, n - 1],
          ]);
        if (opts.bias !== undefined) host = { ...host, bias: Number(opts.bias) };
        const inp = toTensors(host);
        const r = distributedStep({ loss, impl, strategy, world: strategy === 'single' ? 1 : W, chunk: CHUNK }, inp);
        const e = await errorsOf(loss, host, r);
        for (const k of keys) worst[k] = Math.max(worst[k]!, e[k] ?? 0);
        tf.dispose(stepOutputs(r));
        disposeInputs(inp);
      }
    console.log([strategy, impl, ...keys.map((k) => fmt(worst[k]!))].map((c) => c.padEnd(18)).join(''));
  }
