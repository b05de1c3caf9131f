// Which engine runs a command, from its flags (and a config file's engine fields): one check for
// bench, verify and backends, so a torch-only flag on a tfjs run is refused the same way everywhere.
import { UsageError } from '../util/errors.js';
import { oneOf } from '../util/validate.js';
import {
  ENGINES,
  TORCH_DEVICES,
  TORCH_DTYPES,
  type EngineName,
  type TorchDevice,
  type TorchDtype,
} from '../engine/engines.js';

export interface EngineFlags {
  engine?: string;
  backend?: string;
  device?: string;
  dtype?: string;
  overlap?: string;
  python?: string;
}

export type EngineChoice =
  | { engine: 'tfjs'; backend: string }
  | { engine: 'torch'; device?: TorchDevice; dtype: TorchDtype; overlap: boolean; python?: string }
  | { engine: 'auto'; dtype: TorchDtype; overlap: boolean; python?: string };

/**
 * Flags win over the config file's fields; fp32 is torch's default dtype. Without an engine from either:
 * `auto` where the command allows it (bench: engine/auto.ts decides on the machine), else tfjs; a
 * --backend other than auto means tfjs, a torch-only flag (--device, --dtype, --overlap, --python) torch.
 */
export function chooseEngine(
  o: EngineFlags,
  config: { engine?: EngineName; device?: TorchDevice; dtype?: TorchDtype } = {},
  fallback: 'tfjs' | 'auto' = 'tfjs',
): EngineChoice {
  const torchOnly = (['device', 'dtype', 'overlap', 'python'] as const).filter((k) => o[k] !== undefined);
  const allowed = fallback === 'auto' ? ([...ENGINES, 'auto'] as const) : ENGINES;
  const given = o.engine === undefined ? config.engine : oneOf('engine', o.engine, allowed);
  const dtypeOf = () => (o.dtype === undefined ? (config.dtype ?? 'fp32') : oneOf('dtype', o.dtype, TORCH_DTYPES));
  const overlapOf = () =>
    o.overlap === undefined ? true : oneOf('overlap', o.overlap, ['on', 'off'] as const) === 'on';
  let engine: EngineName;
  if (given === 'auto' || (given === undefined && fallback === 'auto')) {
    if (o.backend !== undefined && o.backend !== 'auto') {
      if (given === 'auto')
        throw new UsageError('backend: --backend chooses a tfjs backend; give --engine tfjs or leave --engine out');
      engine = 'tfjs';
    } else if (torchOnly.length && o.device !== undefined) engine = 'torch';
    else return { engine: 'auto', dtype: dtypeOf(), overlap: overlapOf(), python: o.python };
  } else engine = given ?? 'tfjs';
  if (engine === 'tfjs') {
    if (torchOnly.length)
      throw new UsageError(`${torchOnly.map((k) => `--${k}`).join(', ')}: only with --engine torch`);
    // A config for torch whose engine the flag overrides may keep its torch fields; any other is refused.
    const configOnly = (['device', 'dtype'] as const).filter(
      (k) => config[k] !== undefined && config.engine !== 'torch',
    );
    if (configOnly.length)
      throw new UsageError(
        `config: ${configOnly.map((k) => `"${k}"`).join(', ')} set the torch engine's ${configOnly.join(' and ')}, ` +
          'but this run is on tfjs: add "engine": "torch" (or --engine torch), or drop them',
      );
    return { engine, backend: o.backend ?? 'auto' };
  }
  if (o.backend !== undefined && o.backend !== 'auto')
    throw new UsageError(
      `backend: --backend chooses a tfjs backend; with --engine torch use --device ${TORCH_DEVICES.join('|')}`,
    );
  const device = o.device === undefined ? config.device : oneOf('device', o.device, TORCH_DEVICES);
  return { engine, device, dtype: dtypeOf(), overlap: overlapOf(), python: o.python };
}
