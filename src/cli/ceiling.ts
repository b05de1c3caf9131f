// `lossbench ceiling`: the backend's plain matMul rate, the ceiling the losses are measured against.
import type { Command } from 'commander';

export function registerCeiling(program: Command): void {
  program
    .command('ceiling')
    .description("time a plain N×D by D×N matMul: the backend's own FLOP/s ceiling")
    .option('--backend <name>', 'auto | tensorflow | webgpu | wasm | cpu', 'auto')
    .option(
      '--batch <N>',
      'N (default 4096, lowered to the largest power of two whose N×N output the backend can bind; ' +
        'a given N that cannot be bound is refused)',
    )
    .option('--dim <D>', 'D', '512')
    .option('--out <dir>', 'also write ceiling.json into this results folder')
    .action(async (opts: { backend: string; batch?: string; dim: string; out?: string }) => {
      const { BACKENDS } = await import('../engine/backend.js');
      const { oneOf, positiveInt } = await import('../util/validate.js');
      const backendName = oneOf('backend', opts.backend, BACKENDS);
      const n = positiveInt('batch', opts.batch ?? '4096');
      const dim = positiveInt('dim', opts.dim);
      if (opts.out) {
        const { existsSync, statSync } = await import('node:fs');
        if (!existsSync(opts.out) || !statSync(opts.out).isDirectory()) {
          const { UsageError } = await import('../util/errors.js');
          throw new UsageError(`out: ${opts.out} is not a folder`);
        }
        const { checkOutputFolder } = await import('../util/output.js');
        checkOutputFolder('out', opts.out);
      }
      const { selectBackend } = await import('../engine/backend.js');
      const { checkCeilingSize, matmulCeiling } = await import('../probes/matmul.js');
      const ready = await selectBackend(backendName);
      checkCeilingSize(n, dim, ready, opts.batch !== undefined);
      const c = await matmulCeiling(ready, n, dim);
      // the device's datasheet fp32 FMA peak where the table knows it: the second ceiling beside matMul's
      const { computesOnGpu, peakForBackend } = await import('../probes/gpu-peaks.js');
      const { queryGpus } = await import('../engine/nvidia-smi.js');
      const peak = peakForBackend(
        ready.name,
        ready.deviceName,
        ready.name === 'tensorflow' ? queryGpus().map((g) => g.name) : [],
      );
      const result = {
        backend: ready.name,
        device_name: ready.deviceName,
        ...c,
        fp32_peak: peak,
        matmul_share_of_peak: peak ? c.flops_per_s / peak.flops_per_s : null,
      };
      console.log(
        `matMul ${c.n}×${c.dim} · ${c.dim}×${c.n} on ${ready.name} (${ready.deviceName}): median ${c.timing.medianMs.toFixed(2)} ms (p10 ${c.timing.p10Ms.toFixed(2)}, p90 ${c.timing.p90Ms.toFixed(2)}, ${c.timing.samples} samples) = ${c.flops_per_s >= 1e12 ? (c.flops_per_s / 1e12).toFixed(2) + ' TFLOP/s' : (c.flops_per_s / 1e9).toFixed(2) + ' GFLOP/s'}${c.note ? `; ${c.note}` : ''}`,
      );
      if (peak)
        console.log(
          `fp32 FMA peak of the ${peak.gpu}: ${(peak.flops_per_s / 1e12).toFixed(1)} TFLOP/s (datasheet); this matMul reaches ${(100 * result.matmul_share_of_peak!).toFixed(1)}% of it`,
        );
      else if (computesOnGpu(ready.name, ready.deviceName))
        console.log(`fp32 FMA peak: unknown for ${ready.deviceName} (not in the datasheet table)`);
      if (opts.out) {
        const { join } = await import('node:path');
        const { writeOutput } = await import('../util/output.js');
        const way = 'free space or fix the folder, then run this command again';
        writeOutput(join(opts.out, 'ceiling.json'), JSON.stringify(result, null, 2) + '\n', way);
      }
    });
}
