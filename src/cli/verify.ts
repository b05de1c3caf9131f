import type { Command } from 'commander';
import { BACKENDS, ENGINES, TORCH_DEVICES, TORCH_DTYPES } from '../engine/engines.js';
import { nonNegativeInt, oneOf } from '../util/validate.js';
import { CheckFailed, UsageError } from '../util/errors.js';
import { chooseEngine } from './engine-options.js';
import {
  IMPL_CHOICES,
  IMPLS,
  isBuiltinImpl,
  isImplId,
  isTfjsGpuImpl,
  type ImplId,
  type ImplName,
} from '../losses/types.js';
import type { NotRun } from './verify-torch.js';

const TORCH_VERIFY_IMPLS =
  'checkpoint, the third-party ones (lossbench backends --engine torch) or py:<module>:<factory>';

/** --impl: known names; tfjs verifies lossbench's own only. */
function implList(text: string, engine: 'tfjs' | 'torch'): ImplId[] {
  const names = [...new Set(text.split(',').map((s) => s.trim()))].filter(Boolean);
  const bad = names.filter((n) => !isImplId(n));
  if (!names.length || bad.length)
    throw new UsageError(`impl: expected ${IMPL_CHOICES}, got ${bad.join(', ') || JSON.stringify(text)}`);
  const gpu = names.filter((n) => isTfjsGpuImpl(n));
  if (gpu.length)
    throw new UsageError(`impl: ${gpu.join(', ')} is tfjs's WebGPU kernel, checked by scripts/check-fused-gpu.ts`);
  const other = names.filter((n) => !isBuiltinImpl(n));
  if (engine === 'tfjs' && other.length)
    throw new UsageError(`impl: tfjs verifies ${IMPLS.join(' and ')}; ${other.join(', ')}: --engine torch`);
  return names as ImplId[];
}

/** What verify could not run, a line per loss × impl, its strategies and the reason. */
function notRunLines(notRun: NotRun[]): string {
  const by = new Map<string, string[]>();
  for (const n of notRun) {
    const key = `${n.loss} ${n.impl}: ${n.reason}`;
    by.set(key, [...(by.get(key) ?? []), n.strategy]);
  }
  return [...by].map(([key, strategies]) => `  ${key.replace(':', ` (${strategies.join(', ')}):`)}`).join('\n');
}

interface VerifyOptions {
  backend?: string;
  engine?: string;
  device?: string;
  dtype?: string;
  python?: string;
  seed: string;
  impl?: string;
  json?: boolean;
}

export function registerVerify(program: Command): void {
  program
    .command('verify')
    .description('check every loss × impl on this backend against the float64 reference (exit 1 on any failure)')
    .option('--engine <name>', `${ENGINES.join(' | ')}`, 'tfjs')
    .option('--backend <name>', `tfjs: one of ${BACKENDS.join(', ')} (default auto)`)
    .option('--device <name>', `torch: ${TORCH_DEVICES.join(' | ')} (default cuda when available)`)
    .option(
      '--dtype <name>',
      `torch: ${TORCH_DTYPES.join(' | ')} (default fp32; tolerance 1e-4 fp32, 1e-2 tf32, 5e-2 bf16)`,
    )
    .option('--python <path>', 'torch: the Python with torch (default: env LOSSBENCH_PYTHON, else .venv, else python3)')
    .option('--seed <n>', 'seed of the random inputs', '1')
    .option(
      '--impl <list>',
      `implementations, comma-separated (default: lossbench's naive, chunked); torch also ${TORCH_VERIFY_IMPLS}`,
    )
    .option('--json', 'print JSON rows')
    .action(async (opts: VerifyOptions) => {
      const choice = chooseEngine(opts);
      if (choice.engine === 'auto') throw new UsageError('engine: expected tfjs or torch');
      const seed = nonNegativeInt('seed', opts.seed);
      const impls = opts.impl === undefined ? undefined : implList(opts.impl, choice.engine);
      let notRun: NotRun[] = [];
      const { verifyTable } = await import('../losses/verify.js');
      let rows;
      let header: string[];
      let json: object;
      if (choice.engine === 'torch') {
        const { selectTorch } = await import('../engine/torch.js');
        const { runTorchVerify, TORCH_TOLERANCE } = await import('./verify-torch.js');
        const ready = await selectTorch(choice);
        ({ rows, notRun } = await runTorchVerify(ready.python, ready.name, ready.dtype, seed, impls));
        json = {
          engine: 'torch',
          device: ready.name,
          dtype: ready.dtype,
          seed,
          device_name: ready.deviceName,
          torch: ready.info.torch_version,
          rows,
          not_run: notRun,
        };
        header = [
          `engine torch ${ready.info.torch_version} (${ready.pythonPath}) on ${ready.deviceName}, ${ready.dtype}; seed ${seed}; lossbench_torch's cases (random, correlated and duplicate rows; strategies at W = 2 on real ranks)`,
          `max relative error per output against the float64 reference (tolerance ${TORCH_TOLERANCE[ready.dtype]}; compared absolutely only below what float32 resolves of its terms)\n`,
        ];
      } else {
        const backend = oneOf('backend', choice.backend, BACKENDS);
        const { selectBackend } = await import('../engine/backend.js');
        const { runVerify, VERIFY_CASES } = await import('../losses/verify.js');
        const { TOLERANCE } = await import('../losses/accuracy.js');
        const ready = await selectBackend(backend);
        rows = await runVerify(seed, impls as ImplName[] | undefined);
        json = { backend: ready.name, device: ready.deviceName, seed, rows };
        header = [
          `backend ${ready.name} on ${ready.deviceName}; seed ${seed}; ${VERIFY_CASES.length} cases per loss × impl (random, correlated and duplicate rows)`,
          `max relative error per output against the float64 reference (tolerance ${TOLERANCE}; compared absolutely only below what float32 resolves of its terms)\n`,
        ];
      }
      if (opts.json) console.log(JSON.stringify(json, null, 2));
      else {
        console.log(`${header.join('\n')}\n${verifyTable(rows)}`);
        if (notRun.length) console.log(`\nnot run here (${notRun.length}):\n${notRunLines(notRun)}`);
      }
      const failed = rows.filter((r) => !r.pass);
      if (failed.length) {
        const which = [...new Set(failed.map((r) => `${r.loss}/${r.impl}/${r.strategy ?? 'single'}`))];
        throw new CheckFailed(`verify: ${failed.length} of ${rows.length} checks failed (${which.join(', ')})`);
      }
      if (!opts.json) console.log(`\nall ${rows.length} checks passed`);
    });
}
