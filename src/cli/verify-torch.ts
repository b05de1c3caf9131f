// `lossbench verify --engine torch`, a client of the Python engine: `python3 -m lossbench_torch verify`
// checks every loss × impl × strategy (W = 2 on real ranks) against its float64 reference and prints one
// JSON line per case; here they become the rows of the same table as the tfjs verify. With --impl, other
// implementations (checkpoint, third-party, a plugin) run the same cases on naive's inputs; a strategy one
// does not have comes back as a line with its reason (NotRun), not a check.
import { runTorchCommand } from '../engine/torch.js';
import type { TorchDevice, TorchDtype } from '../engine/engines.js';
import type { ImplId, LossName } from '../losses/types.js';
import type { VerifyRow } from '../losses/verify.js';

/** The torch engine's tolerance per dtype (contract/strategies.json carries it to compare.py). */
export { TOLERANCES as TORCH_TOLERANCE } from '../losses/accuracy.js';

/** One line of lossbench_torch verify's output. Non-finite errors arrive as the strings "inf" / "nan". */
interface TorchVerifyLine {
  loss: LossName;
  impl: ImplId;
  /** a strategy the implementation does not have: why, and nothing else but loss, impl, strategy, world */
  unsupported?: string;
  /** outputs the implementation does not compute (memeff's dt'), left out of errors */
  not_computed?: string[];
  strategy: string;
  world: number;
  n: number;
  d: number;
  c: number;
  t: number;
  kind: string;
  errors: Record<string, number | string>;
  pass: boolean;
  textbook?: boolean;
}

const num = (v: number | string | undefined): number | undefined =>
  v === undefined ? undefined : typeof v === 'number' ? v : /^-?inf/i.test(v) ? Infinity : NaN;

export function toVerifyRow(l: TorchVerifyLine): VerifyRow {
  const e = l.errors;
  return {
    loss: l.loss,
    impl: l.impl,
    n: l.n,
    d: l.d,
    chunk: l.c,
    t: l.t,
    errors: {
      loss: num(e.loss)!,
      dx: num(e.dx)!,
      dy: num(e.dy)!,
      dtPrime: num(e["dt'"])!,
      ...(e['dβ'] !== undefined ? { dBias: num(e['dβ']) } : {}),
    },
    leakedTensors: null,
    pass: l.pass === true,
    ...(l.textbook === true ? { textbook: true } : {}),
    strategy: l.strategy,
    world: l.world,
    kind: l.kind,
  };
}

/** A loss × impl × strategy that verify could not run here, and why. */
export interface NotRun {
  loss: LossName;
  impl: string;
  strategy: string;
  world: number;
  reason: string;
}

/** Runs the engine's verify; an Error when it printed no row (it could not run at all). */
export async function runTorchVerify(
  python: string,
  device: TorchDevice,
  dtype: TorchDtype,
  seed = 1,
  impls?: ImplId[],
): Promise<{ rows: VerifyRow[]; notRun: NotRun[] }> {
  const args = ['verify', '--device', device, '--dtype', dtype, '--seed', String(seed)];
  if (impls) args.push('--impl', impls.join(','));
  const r = await runTorchCommand(python, args, 900_000);
  const lines = r.stdout
    .split('\n')
    .filter((l) => l.trim().startsWith('{'))
    .map((l) => JSON.parse(l) as TorchVerifyLine);
  const rows = lines.filter((l) => !l.unsupported).map(toVerifyRow);
  const notRun = lines
    .filter((l) => l.unsupported)
    .map((l) => ({ loss: l.loss, impl: l.impl, strategy: l.strategy, world: l.world, reason: l.unsupported! }));
  if (rows.length === 0) {
    const why =
      r.spawnError ??
      r.stderr
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean)
        .pop() ??
      `exit ${r.code}`;
    throw new Error(`lossbench_torch verify printed no result: ${why.slice(0, 300)}`);
  }
  return { rows, notRun };
}
