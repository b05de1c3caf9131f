// Measured peak tensor bytes of every loss/strategy/impl (wasm: tfjs's accounting is backend-independent)
// against the memory model, and the least-squares constants of the measurements (src/model/memory.ts's
// header says how the shipped ones were fitted). One JSON line per group; `filter` keeps the groups whose
// key contains it.
//   node --import tsx scripts/memory-peaks.ts [filter]
import { stepOutputs } from '../src/losses/types.js';
import '@tensorflow/tfjs-backend-wasm';
import { tf } from '../src/engine/tf.js';
import { measureDistributed } from '../src/distributed/index.js';
import { STRATEGIES } from '../src/distributed/registry.js';
import { deviceInputs, disposeInputs } from '../src/losses/inputs.js';
import { IMPLS, LOSSES, type ImplName, type LossName } from '../src/losses/types.js';
import { fitTwoTerms } from '../src/model/least-squares.js';
import { MEMORY_CONSTANTS, memoryTerms, type MemoryKey } from '../src/model/memory.js';

const filter = process.argv[2] ?? '';
const SINGLE = { n: [512, 1024, 2048], dim: [32, 64], chunk: [64, 128] };
const DIST = { world: [2, 4, 8], b: [128, 256], dim: [32, 64], chunk: [64, 128] };

async function peak(
  loss: LossName,
  impl: ImplName,
  strategy: string,
  world: number,
  n: number,
  dim: number,
  chunk: number,
): Promise<number> {
  const inp = deviceInputs(loss, n, dim, 5);
  // every strategy alike: 'single' is its rank program at W = 1, whose peak is the one-device step's
  const m = await measureDistributed({ loss, impl, strategy, world, chunk }, inp);
  tf.dispose(stepOutputs(m.result));
  disposeInputs(inp);
  return m.busiestDevicePeakBytes;
}

await tf.setBackend('wasm');
for (const loss of LOSSES)
  for (const strategy of STRATEGIES[loss])
    for (const impl of IMPLS) {
      const key = `${loss}/${strategy}/${impl}`;
      if (!key.includes(filter)) continue;
      const rows: { world: number; b: number; dim: number; chunk: number; bytes: number; L: number; F: number }[] = [];
      const single = strategy === 'single';
      for (const world of single ? [1] : DIST.world)
        for (const b of single ? SINGLE.n : DIST.b)
          for (const dim of single ? SINGLE.dim : DIST.dim)
            for (const chunk of impl === 'naive' ? [DIST.chunk[0]!] : single ? SINGLE.chunk : DIST.chunk) {
              const bytes = await peak(loss, impl, strategy, world, world * b, dim, chunk);
              const [L, F] = memoryTerms({ loss, impl, strategy, n: world * b, world, localBatch: b, dim, chunk });
              rows.push({ world, b, dim, chunk, bytes, L, F });
            }
      const [kLogit, kFeature] = fitTwoTerms(
        rows.map((r) => r.L),
        rows.map((r) => r.F),
        rows.map((r) => r.bytes / 4),
      );
      const k = MEMORY_CONSTANTS[key as MemoryKey];
      const worst = (a: number, c: number) =>
        Math.max(...rows.map((r) => Math.abs((4 * (a * r.L + c * r.F)) / r.bytes - 1)));
      console.log(
        JSON.stringify({
          key,
          shipped: k,
          shippedMaxErr: +worst(k.kLogit, k.kFeature).toFixed(3),
          fit: { kLogit: +kLogit.toFixed(2), kFeature: +kFeature.toFixed(2) },
          fitMaxErr: +worst(kLogit, kFeature).toFixed(3),
          peaks: rows.map((r) => [r.world, r.b, r.dim, r.chunk, r.bytes]),
        }),
      );
    }
