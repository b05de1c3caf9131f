import type { Command } from 'commander';
import { BACKENDS } from '../engine/backend.js';
import { nonNegativeInt, oneOf } from '../util/validate.js';
import { CheckFailed } from '../util/errors.js';

export function registerVerify(program: Command): void {
  program
    .command('verify')
    .description('check every loss × impl on this backend against the float64 reference (exit 1 on any failure)')
    .option('--backend <name>', `one of ${BACKENDS.join(', ')}`, 'auto')
    .option('--seed <n>', 'seed of the random inputs', '1')
    .option('--json', 'print JSON rows')
    .action(async (opts: { backend: string; seed: string; json?: boolean }) => {
      const backend = oneOf('backend', opts.backend, BACKENDS);
      const seed = nonNegativeInt('seed', opts.seed);
      const { selectBackend } = await import('../engine/backend.js');
      const { runVerify, verifyTable, VERIFY_CASES } = await import('../losses/verify.js');
      const { TOLERANCE } = await import('../losses/accuracy.js');
      const ready = await selectBackend(backend);
      const rows = await runVerify(seed);
      if (opts.json) console.log(JSON.stringify({ backend: ready.name, device: ready.deviceName, seed, rows }, null, 2));
      else {
        console.log(`backend ${ready.name} on ${ready.deviceName}; seed ${seed}; ${VERIFY_CASES.length} sizes per loss × impl`);
        console.log(`max relative error per output against the float64 reference (tolerance ${TOLERANCE}; norms under 1e-2, scalars under 1, compared absolutely)\n`);
        console.log(verifyTable(rows));
      }
      const failed = rows.filter((r) => !r.pass).length;
      if (failed) throw new CheckFailed(`verify: ${failed} of ${rows.length} checks failed`);
      if (!opts.json) console.log(`\nall ${rows.length} checks passed`);
    });
}
