// The GPU check of the fused WebGPU kernels, in one run (they are not an impl yet: src/losses/fused-webgpu.ts).
//   node --import tsx scripts/check-fused-gpu.ts [maxN]
// 1. accuracy: fused against the float64 reference (the 1e-4 rule) at the N, D and t of the model's tests, on
//    random inputs, correlated pairs at t = 100 and duplicate rows (src/losses/inputs.ts inputsOfKind);
// 2. speed: median step time of fused and chunked at N = 4096 … maxN (default 32768), D = 512, with the
//    per-program GPU times of one fused step (timestamp-query). Prints plain lines; exits 1 on a failure.
import { stepOutputs } from '../src/losses/types.js';
import { selectBackend } from '../src/engine/backend.js';
import { tf } from '../src/engine/tf.js';
import { chooseTiling, describeTiling } from '../src/engine/kernels/tiling.js';
import { checkOn, maxError, TOLERANCE } from '../src/losses/accuracy.js';
import { fusedWebGpuStep, kernelLimits } from '../src/losses/fused-webgpu.js';
import { lossStep, LOSSES } from '../src/losses/index.js';
import { deviceInputs, disposeInputs, inputsOfKind, type InputKind } from '../src/losses/inputs.js';
import { aggregate, formatTable, timePrograms } from '../src/probes/kernel-profile.js';
import { timeStep } from '../src/probes/timing.js';

// One async main, not top-level await: scripts/gpu-check-prepare.sh bundles this file as CommonJS.
async function main(): Promise<void> {
  const maxN = Number(process.argv[2] ?? 32768);
  const ready = await selectBackend('webgpu').catch((err: Error) => {
    console.error(err.message); // no adapter here (this check needs a GPU machine)
    process.exit(2);
  });
  const limits = kernelLimits(ready.webgpu!.limits);
  console.log(
    `device ${ready.deviceName}; tiling at D = 512: ${JSON.stringify(describeTiling(chooseTiling(limits, 512), limits))}`,
  );

  let failed = 0;
  const T100 = Math.log(100);
  const cases: [InputKind, number | undefined][] = [
    ['random', undefined],
    ['random', T100],
    ['correlated', T100],
    ['duplicates', undefined],
  ];
  for (const loss of LOSSES)
    for (const n of [1, 3, 64, 257])
      for (const d of [7, 32, 512])
        for (const [kind, tPrime] of cases) {
          try {
            const host = inputsOfKind(kind, loss, n, d, 7 + n + d, tPrime);
            const { errors, leakedTensors } = await checkOn(fusedWebGpuStep(loss, limits), loss, host);
            const ok = maxError(errors) <= TOLERANCE && leakedTensors === 0;
            if (!ok) failed++;
            console.log(
              `${ok ? 'ok  ' : 'FAIL'} accuracy ${loss} ${kind} N=${n} D=${d} t'=${tPrime ?? 'init'}: ${JSON.stringify(errors)} leaked ${leakedTensors}`,
            );
          } catch (err) {
            failed++;
            console.log(
              `FAIL accuracy ${loss} ${kind} N=${n} D=${d}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`,
            );
          }
        }

  for (const loss of LOSSES)
    for (let n = 4096; n <= maxN; n *= 2) {
      const inputs = deviceInputs(loss, n, 512, 1);
      for (const [name, step] of [
        ['fused', fusedWebGpuStep(loss, limits)],
        ['chunked', lossStep(loss, 'chunked', 4096)],
      ] as const) {
        try {
          const t = await timeStep(
            async () => {
              const r = step(inputs);
              await r.loss.data(); // the loss depends on every kernel of the forward; the grads are queued before it
              await ready.sync();
              tf.dispose(stepOutputs(r));
            },
            { warmup: 1, minSamples: 3, budgetMs: 5000 },
          );
          console.log(`time ${loss} ${name} N=${n} D=512: median ${t.medianMs.toFixed(2)} ms (${t.samples} samples)`);
        } catch (err) {
          console.log(
            `time ${loss} ${name} N=${n}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`,
          );
        }
      }
      const programs = await timePrograms(() => {
        const r = fusedWebGpuStep(loss, limits)(inputs);
        tf.dispose(stepOutputs(r));
      });
      console.log(
        `programs of one fused ${loss} step at N=${n} (GPU ms; zeros without timestamp-query):\n${formatTable(aggregate(programs, 10))}`,
      );
      disposeInputs(inputs);
    }

  console.log(failed ? `${failed} accuracy checks failed` : 'all accuracy checks passed');
  process.exit(failed ? 1 : 0);
}

void main();
