import type { Command } from 'commander';
import { addLinkOptions } from './link-options.js';
import { BACKENDS, ENGINES, TORCH_DEVICES, TORCH_DTYPES } from '../engine/engines.js';
import { oneOf } from '../util/validate.js';
import type { SweepFlags } from '../harness/grid.js';
import { LOSSES } from '../losses/types.js';
import { STRATEGIES, STRATEGY_LIST, type Strategy } from '../distributed/registry.js';
import { renderText, type Column } from '../util/table.js';

/** The sweep flags (grid.ts) plus how to run them. */
export interface BenchOptions extends Omit<SweepFlags, 'link'> {
  backend: string;
  /** tfjs | torch; undefined: the config file's, else tfjs. */
  engine?: string;
  /** torch: cpu | cuda (default cuda when available). */
  device?: string;
  /** torch: fp32 | tf32 | bf16 (default fp32). */
  dtype?: string;
  /** torch: on | off (default on): rings post their next round before computing. */
  overlap?: string;
  python?: string;
  linkProbe: boolean;
  out: string;
  resume?: string;
  timeout?: string;
  memoryLimit?: string;
  force?: boolean;
  timeBudget?: string;
  link: string;
  linkGbps?: string;
  linkLatencyUs?: string;
  json?: boolean;
  report: boolean;
  /** Across nodes (torch): see harness/nodes.ts; else read from torchrun's or SLURM's environment. */
  nnodes?: string;
  nodeRank?: string;
  masterAddr?: string;
  masterPort?: string;
}

/** "single | allgather-global, allgather-local, ring (clip) | allgather, ring, ring-bidir (siglip)". */
const strategyHelp = () =>
  ['single', ...LOSSES.map((loss) => `${STRATEGIES[loss].filter((s) => s !== 'single').join(', ')} (${loss})`)].join(
    ' | ',
  );

const STRATEGY_COLUMNS: Column<Strategy>[] = [
  { header: 'strategy', cell: (s) => s.key },
  { header: 'what it does', cell: (s) => s.description },
];
const strategyList = () =>
  `\nStrategies (--strategy takes the name, or loss/name for that loss only):\n${renderText(STRATEGY_COLUMNS, STRATEGY_LIST)}`;

export function registerBench(program: Command): void {
  addLinkOptions(program.command('bench'))
    .description('sweep scenarios (one child process each) and write a results folder')
    .option(
      '--preset <name>',
      'smoke | quick | quick-torch | paper | full (default: paper on GPUs, quick-torch for torch on the CPU, else quick)',
    )
    .option(
      '--config <file>',
      'JSON sweep: {"preset": ...} or {"losses", "impls", "strategies", "batches", "worlds", "batchIs", "dims", "chunks", ...}',
    )
    .option('--loss <list>', 'clip,siglip')
    .option('--impl <list>', 'naive,chunked')
    .option('--strategy <list>', strategyHelp())
    .option('--batch <sizes>', 'global batch N: a list (256,512) or powers of two (256..32768)')
    .option('--global-batch <sizes>', 'same as --batch, with --world: N = W·b')
    .option('--local-batch <sizes>', 'per-device batch b, with --world')
    .option('--world <sizes>', 'world sizes W (simulated devices), e.g. 1,2,4,8')
    .option('--dim <sizes>', 'embedding dimension D')
    .option('--chunk <sizes>', 'tile width c of chunked implementations')
    .option('--warmup <n>', 'untimed steps before timing')
    .option('--samples <n>', 'minimum timed steps (at least 5 recommended)')
    .option('--sample-time-ms <ms>', 'time budget of the timed steps per scenario')
    .option('--backend <name>', `tfjs backend: ${BACKENDS.join(' | ')}`, 'auto')
    .option(
      '--engine <name>',
      `auto | ${ENGINES.join(' | ')} (default: the config file's "engine", else auto: torch on CUDA, tfjs on WebGPU, torch on the CPU, tfjs wasm, the first found; a --backend other than auto means tfjs)`,
    )
    .option('--device <name>', `torch: ${TORCH_DEVICES.join(' | ')} (default cuda when available)`)
    .option('--dtype <name>', `torch: ${TORCH_DTYPES.join(' | ')} (default fp32)`)
    .option(
      '--overlap <on|off>',
      'torch: rings post their next round before computing (on, default) or one blocking round at a time',
    )
    .option('--python <path>', 'torch: the Python with torch (default: env LOSSBENCH_PYTHON, else .venv, else python3)')
    .option('--no-link-probe', 'torch: do not measure the link (lossbench_torch linkprobe) before a sweep with W > 1')
    .option('--out <dir>', 'where the results folder is made', 'results')
    .option(
      '--resume <dir>',
      'finish an earlier sweep (its run.json gives the sweep, backend and link): run only scenarios not yet in results.jsonl',
    )
    .option('--timeout <s>', "per-scenario timeout in seconds (default 600, or the resumed run's)")
    .option('--memory-limit <GiB>', 'kill a scenario whose host RSS passes this many GiB (recorded as oom)')
    .option('--force', 'run scenarios even when predicted not to fit')
    .option('--time-budget <min>', 'run cheapest scenarios first and start no new one after this many minutes')
    .option('--nnodes <n>', "torch across nodes: how many (run bench on each; default torchrun's or SLURM's, else 1)")
    .option('--node-rank <k>', 'torch across nodes: this node (0 hosts the rendezvous and writes the results)')
    .option('--master-addr <host>', "torch across nodes: node 0's address, reachable from every node")
    .option('--master-port <port>', "torch across nodes: node 0's rendezvous port (default 29500)")
    .option('--json', 'no progress bar; print the rows as JSON at the end')
    .option('--no-report', 'do not write charts and report.md/html at the end')
    .addHelpText('after', strategyList)
    .action(async (opts: BenchOptions) => {
      oneOf('backend', opts.backend, BACKENDS);
      if (opts.engine !== undefined) oneOf('engine', opts.engine, [...ENGINES, 'auto'] as const);
      if (opts.device !== undefined) oneOf('device', opts.device, TORCH_DEVICES);
      if (opts.dtype !== undefined) oneOf('dtype', opts.dtype, TORCH_DTYPES);
      const { runBench } = await import('./bench-run.js');
      process.exitCode = await runBench(opts);
    });

  program
    .command('__worker', { hidden: true })
    .description('internal: runs one scenario in a child process')
    .action(async () => {
      const { workerMain } = await import('../harness/worker.js');
      await workerMain();
    });
}
