// `lossbench plan`: flags are checked here (UsageError, exit 2); the model loads only when it runs.
import type { Command } from 'commander';
import { addLinkOptions } from './link-options.js';
import { UsageError } from '../util/errors.js';
import { oneOf, positiveInt, positiveNumber } from '../util/validate.js';
import { parseByteSize } from '../util/byte-size.js';
import { ENGINES, TORCH_DEVICES, TORCH_DTYPES } from '../engine/engines.js';

interface PlanOptions {
  /** Global batch N; --batch is its synonym (bench's flags: --global-batch, --local-batch). */
  batch?: string;
  globalBatch?: string;
  localBatch?: string;
  world?: string;
  dim: string;
  chunk: string;
  dtype: string;
  deviceMemory: string;
  link: string;
  linkGbps?: string;
  linkLatencyUs?: string;
  calibrate?: string;
  engine?: string;
  device?: string;
  linkFrom?: string;
  json?: boolean;
  nodes?: string;
  gpusPerNode?: string;
  linkIntra?: string;
  linkInter?: string;
  gpuTflops?: string;
}

/** A link flag: a preset name, or "<GB/s>:<µs>". */
async function linkFlag(flag: string, v: string) {
  const { resolveLink } = await import('../model/comm.js');
  const m = /^([^:]+):([^:]+)$/.exec(v);
  if (!m) {
    try {
      return resolveLink(v);
    } catch (e) {
      throw new UsageError(`${flag}: ${(e as Error).message.replace(/^link: /, '')}, or <GB/s>:<µs>`);
    }
  }
  return resolveLink('', { gbps: positiveNumber(flag, m[1]), latencyUs: nonNegativeNumber(flag, m[2]!) });
}

/** W from --nodes × --gpus-per-node (and --world, when given, must agree), else --world. */
function worldOf(o: PlanOptions): { world: number; nodes?: number; gpusPerNode?: number } {
  if (o.nodes === undefined && o.gpusPerNode === undefined) {
    if (o.linkIntra !== undefined || o.linkInter !== undefined)
      throw new UsageError('link-intra: --link-intra and --link-inter go with --nodes and --gpus-per-node');
    return { world: positiveInt('world', required('world', o.world)) };
  }
  const nodes = positiveInt('nodes', required('nodes', o.nodes));
  const gpusPerNode = positiveInt('gpus-per-node', required('gpus-per-node', o.gpusPerNode));
  const world = nodes * gpusPerNode;
  if (o.world !== undefined && positiveInt('world', o.world) !== world)
    throw new UsageError(
      `world: --world ${o.world} is not --nodes × --gpus-per-node = ${world}; give one or the other`,
    );
  return { world, nodes, gpusPerNode };
}

/** A required flag: its absence is named, not reported as "got undefined". */
function required(flag: string, v: string | undefined): string {
  if (v === undefined) throw new UsageError(`${flag}: required (--${flag})`);
  return v;
}

/** A latency may be zero; spec.ts has positive numbers only. */
function nonNegativeNumber(flag: string, v: string): number {
  const n = v.trim() === '' ? NaN : Number(v);
  if (!Number.isFinite(n) || n < 0)
    throw new UsageError(`${flag}: expected a non-negative number, got ${JSON.stringify(v)}`);
  return n;
}

/** N from --global-batch (or its synonym --batch) or W·b from --local-batch, as bench takes them. */
function globalBatch(o: PlanOptions, world: number): number {
  const given = (['batch', 'globalBatch', 'localBatch'] as const).filter((k) => o[k] !== undefined);
  if (given.length === 0)
    throw new UsageError('batch: required (--global-batch N, or its synonym --batch, or --local-batch b)');
  if (given.length > 1) throw new UsageError('batch: give one of --batch, --global-batch, --local-batch');
  if (o.localBatch !== undefined) return world * positiveInt('local-batch', o.localBatch);
  const n = o.batch !== undefined ? positiveInt('batch', o.batch) : positiveInt('global-batch', o.globalBatch);
  if (n % world !== 0) throw new UsageError(`batch: N = ${n} is not a multiple of world W = ${world}`);
  return n;
}

/** Runs `plan` and returns what it prints (tests call this directly). */
export async function runPlan(o: PlanOptions): Promise<string> {
  const { world, nodes, gpusPerNode } = worldOf(o);
  const n = globalBatch(o, world);
  const dim = positiveInt('dim', o.dim);
  const chunk = positiveInt('chunk', o.chunk);
  const dtype = oneOf('dtype', o.dtype, TORCH_DTYPES);
  const deviceMemoryBytes = parseByteSize('device-memory', required('device-memory', o.deviceMemory));
  const gbps = o.linkGbps === undefined ? undefined : positiveNumber('link-gbps', o.linkGbps);
  const latencyUs = o.linkLatencyUs === undefined ? undefined : nonNegativeNumber('link-latency-us', o.linkLatencyUs);
  const engine = o.engine === undefined ? undefined : oneOf('engine', o.engine, ENGINES);
  const device = o.device === undefined ? undefined : oneOf('device', o.device, TORCH_DEVICES);
  if (device !== undefined && engine !== 'torch' && o.calibrate === undefined)
    throw new UsageError('device: --device picks the torch constants; give --engine torch');
  if (o.linkFrom !== undefined && (gbps !== undefined || latencyUs !== undefined))
    throw new UsageError('link-from: the measured link replaces --link-gbps/--link-latency-us; give one or the other');
  const { resolveLink } = await import('../model/comm.js');
  const plan = await import('../plan/plan.js');
  const link = o.linkFrom !== undefined ? plan.measuredLink(o.linkFrom) : resolveLink(o.link, { gbps, latencyUs });
  const cal = o.calibrate ? plan.calibrate(o.calibrate, engine, dtype) : undefined;
  if (cal && device !== undefined && cal.target.device !== undefined && cal.target.device !== device)
    throw new UsageError(
      `device: ${o.calibrate} is a torch ${cal.target.device} run; give --device ${cal.target.device}`,
    );
  const resolvedEngine = cal?.target.engine ?? engine ?? 'tfjs';
  const input = {
    n,
    world,
    dim,
    chunk,
    link,
    engine: resolvedEngine,
    device: resolvedEngine === 'torch' ? (cal?.target.device ?? device ?? 'cpu') : undefined,
    dtype,
    deviceMemoryBytes,
    constants: cal?.constants,
  };
  const rows = plan.planRows(input);
  if (nodes !== undefined && gpusPerNode !== undefined) {
    const layout = await import('../plan/layout.js');
    const links = {
      nodes,
      gpusPerNode,
      deviceFlopsPerS: positiveNumber('gpu-tflops', o.gpuTflops ?? '100') * 1e12,
      intra: await linkFlag('link-intra', o.linkIntra ?? 'nvlink4'),
      // the link a run measured between nodes, else the flag's (default: InfiniBand NDR)
      inter: o.linkFrom !== undefined ? link : await linkFlag('link-inter', o.linkInter ?? 'ib-ndr'),
    };
    if (o.linkFrom !== undefined && o.linkInter !== undefined)
      throw new UsageError('link-from: with --nodes it is the inter-node link; drop --link-inter or --link-from');
    const lrows = layout.layoutRows(rows, links);
    if (o.json)
      return JSON.stringify(
        {
          input: { ...input, constants: undefined, ...links },
          commModelled: true,
          layout: lrows,
          answer: layout.layoutAnswer(lrows, links),
        },
        null,
        2,
      );
    return `${plan.formatTable(input, rows)}\n\n${layout.formatLayout(lrows, links)}`;
  }
  const fitted = cal ? Object.fromEntries(cal.fitted.map((k) => [k, cal.constants[k]!])) : {};
  if (o.json)
    return JSON.stringify(
      {
        input: { ...input, constants: undefined, calibratedFrom: cal?.fitted ?? [], calibratedConstants: fitted },
        commModelled: true,
        rows,
      },
      null,
      2,
    );
  const shown = Object.entries(fitted).map(
    ([k, c]) => `${k} (kLogit ${c.kLogit.toFixed(2)}, kFeature ${c.kFeature.toFixed(2)})`,
  );
  const note = cal
    ? `\nmemory constants fitted to ${o.calibrate}: ${shown.join(', ')}; the others ${input.engine === 'torch' ? `the torch engine's (${input.device})` : 'analytic'}` +
      `\nto make them the defaults, put these in ${input.engine === 'torch' ? `src/model/memory-torch.ts (the ${input.device} table)` : 'src/model/memory.ts'} with their source:\n` +
      `// fitted by plan --calibrate ${o.calibrate} (${dtype})\n` +
      Object.entries(fitted)
        .map(([k, c]) => `'${k}': { kLogit: ${c.kLogit.toFixed(2)}, kFeature: ${c.kFeature.toFixed(2)} },`)
        .join('\n')
    : '';
  return plan.formatTable(input, rows) + note;
}

export function registerPlan(program: Command): void {
  addLinkOptions(program.command('plan'))
    .description(
      'Predict per-device memory, traffic, modelled communication time and FLOPs of every strategy; the largest N that fits',
    )
    .option('--global-batch <N>', 'global batch N (as bench takes it)')
    .option('--batch <N>', 'same as --global-batch')
    .option('--local-batch <b>', 'per-device batch b: N = W·b')
    .option('--world <W>', 'devices W')
    .option('--nodes <n>', 'a cluster: nodes (with --gpus-per-node; W = n·g), each strategy over two links')
    .option('--gpus-per-node <g>', 'a cluster: GPUs per node')
    .option('--gpu-tflops <T>', 'with --nodes: FLOP/s one GPU achieves on the loss, in TFLOP/s (default 100)')
    .option('--link-intra <link>', 'with --nodes: the link within a node, a preset or <GB/s>:<µs> (default nvlink4)')
    .option(
      '--link-inter <link>',
      "with --nodes: a node's network link each way, a preset or <GB/s>:<µs> (default ib-ndr; --link-from: the measured one)",
    )
    .option('--dim <D>', 'embedding dimension', '768')
    .option('--chunk <c>', 'tile width of chunked implementations', '1024')
    .option(
      '--dtype <dtype>',
      'fp32 | tf32 | bf16 (torch: bf16 matmuls, float32 logits and features; tfjs: what-if of 2-byte tensors)',
      'fp32',
    )
    .option(
      '--device-memory <size>',
      'memory per device: GiB (2^30 bytes, as bench --memory-limit) or with a unit, 80GB (10^9) or 80GiB',
      '80',
    )
    .option(
      '--engine <name>',
      `whose implementations the memory model describes: ${ENGINES.join(' | ')} (default tfjs, or the --calibrate folder's)`,
    )
    .option(
      '--device <kind>',
      `torch: whose constants, ${TORCH_DEVICES.join(' | ')} (default cpu, or the --calibrate folder's)`,
    )
    .option('--calibrate <dir>', 'fit memory constants to a results folder (results.jsonl; tfjs or torch)')
    .option(
      '--link-from <dir>',
      'model communication on the link a torch results folder measured (run.json link_probe) instead of a preset',
    )
    .option('--json', 'print JSON')
    .action(async (o: PlanOptions) => {
      console.log(await runPlan(o));
    });
}
