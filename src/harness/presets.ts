// Named sweeps. `quick` is the default on CPU backends (a few minutes on 2 cores, both losses, both
// impls, enough batch sizes for the scaling to show); `paper` is meant for GPUs; `smoke` is CI's.
import type { ImplId, ImplName, LossName } from '../losses/types.js';
import { DISTRIBUTED_NAMES } from '../distributed/registry.js';

export interface SweepAxes {
  losses: LossName[];
  impls: ImplId[];
  /** Strategy names; each applies to the losses that have it ('single' always does). */
  strategies: string[];
  /** Global batches N (single device), or with `worlds`, global or local batches as `batchIs` says. */
  batches: number[];
  worlds: number[];
  batchIs: 'global' | 'local';
  dims: number[];
  chunks: number[];
  warmup: number;
  samples: number;
  timeBudgetMs: number;
}

/** A preset is one or more sweeps (e.g. a single-device batch sweep plus a world-size sweep). */
export type Preset = { description: string; sweeps: SweepAxes[] };

const BOTH = { losses: ['clip', 'siglip'] as LossName[], impls: ['naive', 'chunked'] as ImplName[] };
const pow2 = (from: number, to: number) => {
  const out: number[] = [];
  for (let v = from; v <= to; v *= 2) out.push(v);
  return out;
};
/** Every W-device strategy of either loss. */
const DIST = [...DISTRIBUTED_NAMES];

type Sizes = Pick<SweepAxes, 'batches' | 'dims' | 'chunks' | 'warmup' | 'samples' | 'timeBudgetMs'>;
/** One device, both losses and lossbench's impls, N the global batch. */
const oneDevice = (s: Sizes): SweepAxes => ({ ...BOTH, strategies: ['single'], worlds: [1], batchIs: 'global', ...s });
/** W devices (chunked; every strategy unless named), `batchIs` local unless said. */
const devices = (s: Sizes & Partial<SweepAxes> & Pick<SweepAxes, 'worlds'>): SweepAxes => ({
  ...BOTH,
  impls: ['chunked'],
  strategies: DIST,
  batchIs: 'local',
  ...s,
});

/** The default sweeps at tile width c, world sizes W, one-device N up to maxN and the W-device strategies
 * (c 64 suits tfjs; torch's Python tile loops want wider). */
function quick(c: number, worlds: number[], maxN = 2048, strategies = DIST): SweepAxes[] {
  const timing = { warmup: 0, samples: 3 };
  return [
    oneDevice({ batches: pow2(256, maxN), dims: [64], chunks: [c], ...timing, timeBudgetMs: 200 }),
    devices({ batches: [64], worlds, strategies, dims: [64], chunks: [c], ...timing, timeBudgetMs: 100 }),
  ];
}

export const PRESETS: Record<string, Preset> = {
  smoke: {
    description: 'a few seconds: both losses and impls at two tiny sizes, plus one ring (CI)',
    sweeps: [
      oneDevice({ batches: [64, 128], dims: [32], chunks: [32], warmup: 1, samples: 5, timeBudgetMs: 20 }),
      devices({
        strategies: ['ring'],
        batches: [32],
        worlds: [2],
        dims: [32],
        chunks: [32],
        warmup: 1,
        samples: 5,
        timeBudgetMs: 20,
      }),
    ],
  },
  // Under 3 minutes on 2 cores: each scenario's process costs ~1.5 s before its first step, so the time
  // goes to the steps that teach. N 256→2048 gives four points per slope (naive N², chunked N). The
  // strategies run at b = 64: their bytes follow the formulas at any b and the rings' memory is flat in
  // W at any b, while clip/allgather-global (every device computes all N×N) costs 4× less than at 128.
  // Three timed samples at least (the worker's first and peak-measuring steps come before them), more
  // while the time budget lasts (fast steps) and while the p10–p90 spread is wide (timing.ts).
  quick: {
    description:
      'CPU default, under 3 minutes on 2 cores: N 256→2048 (D 64, c 64), and every strategy at b = 64 for W = 2, 4, 8',
    sweeps: quick(64, [2, 4, 8]),
  },
  // Each torch scenario's processes cost 5–20 s before the first step on a 2-core VM shared by others (torch's
  // import; W + 1 processes for W ranks): 15 scenarios, not quick's 28 at c = 256 (6 min 18 s measured there,
  // issue 17). The W-device part is the rings, whose transfers overlap compute (comm_exposed_ms).
  'quick-torch': {
    description:
      'torch on the CPU (the default --engine auto picks there), under 3 minutes on 2 cores: quick with c = 256 (fewer Python tile loops), N 256→1024, and the rings at W = 2 (each scenario starts a torch process per rank)',
    sweeps: quick(256, [2], 1024, ['ring', 'ring-bidir']),
  },
  paper: {
    description: 'GPU: N 256→32768 (D 512, 768; c 1024); world sweeps at local 256→32768 and global up to 32768',
    sweeps: [
      oneDevice({
        batches: pow2(256, 32768),
        dims: [512, 768],
        chunks: [1024],
        warmup: 2,
        samples: 5,
        timeBudgetMs: 1000,
      }),
      ...(['local', 'global'] as const).map((batchIs) =>
        devices({
          batches: batchIs === 'local' ? pow2(256, 32768) : [32768],
          batchIs,
          worlds: [2, 4, 8],
          dims: [512],
          chunks: [1024],
          warmup: 1,
          samples: 5,
          timeBudgetMs: 500,
        }),
      ),
    ],
  },
  full: {
    description: 'everything: N 256→65536, D 256→1024, c 256→4096, every strategy and impl, W 1→16',
    sweeps: [
      oneDevice({
        batches: pow2(256, 65536),
        dims: [256, 512, 768, 1024],
        chunks: [256, 1024, 4096],
        warmup: 2,
        samples: 7,
        timeBudgetMs: 1000,
      }),
      devices({
        impls: BOTH.impls,
        batches: pow2(256, 65536),
        worlds: [2, 4, 8, 16],
        dims: [512, 768],
        chunks: [1024],
        warmup: 1,
        samples: 5,
        timeBudgetMs: 500,
      }),
    ],
  },
};
