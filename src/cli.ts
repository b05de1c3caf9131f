#!/usr/bin/env node
// lossbench's command line. Each command's work lives in its own module, loaded when the command runs,
// so `lossbench --help` starts fast and a bad flag never pays for loading tfjs.
import { Command, CommanderError } from 'commander';
import { CheckFailed, UsageError } from './util/errors.js';
import pkg from '../package.json' with { type: 'json' };

const lossbenchVersion = () => pkg.version;
import { registerBench } from './cli/bench.js';
import { registerVerify } from './cli/verify.js';
import { registerBackends } from './cli/backends.js';
import { registerCeiling } from './cli/ceiling.js';
import { registerReport } from './cli/report.js';
import { registerPlan } from './cli/plan.js';

export function makeProgram(): Command {
  const program = new Command('lossbench')
    .description('Memory and throughput of contrastive losses: CLIP vs SigLIP, naive vs chunked, one device and many')
    .showHelpAfterError(false)
    .version(lossbenchVersion(), '-V, --version')
    .exitOverride()
    .configureOutput({ writeErr: () => {} }); // errors are printed once, by main, as one line
  registerBench(program);
  registerVerify(program);
  registerBackends(program);
  registerCeiling(program);
  registerReport(program);
  registerPlan(program);
  return program;
}

/** Runs the CLI; returns the exit code (0 ok, 1 a failed check, 2 bad input or an unusable backend). */
export async function main(argv: string[]): Promise<number> {
  const program = makeProgram();
  if (argv.length === 0) {
    console.error(program.helpInformation().trimEnd());
    return 2; // a command is required
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help')
        return 0;
      console.error(`lossbench: ${err.message.replace(/^error: /, '')}`);
      return 2;
    }
    if (err instanceof UsageError) {
      console.error(`lossbench: ${err.message}`);
      return 2;
    }
    if (err instanceof CheckFailed) {
      console.error(`lossbench: ${err.message}`);
      return 1;
    }
    console.error(`lossbench: ${err instanceof Error ? err.message : String(err)}`);
    if (process.env.LOSSBENCH_DEBUG) console.error(err);
    return 1;
  }
}

const isEntry = process.argv[1] && /(?:^|[\\/])(cli\.(?:ts|js|cjs)|lossbench(?:\.c?js)?)$/.test(process.argv[1]);
if (isEntry || process.env.LOSSBENCH_CLI === '1') {
  // A reader that stops early (`lossbench report … | head`) closes the pipe: that is not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    console.error(`lossbench: stdout: ${err.message}`);
    process.exit(1);
  });
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
