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

export const PRESETS: Record<string, Preset> = {
  smoke: {
    description: 'a few seconds: both losses and impls at two tiny sizes, plus one ring (CI)',
    sweeps: [
      {
        ...BOTH,
        strategies: ['single'],
        batches: [64, 128],
        worlds: [1],
        batchIs: 'global',
        dims: [32],
        chunks: [32],
        warmup: 1,
        samples: 5,
        timeBudgetMs: 20,
      },
      {
        ...BOTH,
        impls: ['chunked'],
        strategies: ['ring'],
        batches: [32],
        worlds: [2],
        batchIs: 'local',
        dims: [32],
        chunks: [32],
        warmup: 1,
        samples: 5,
        timeBudgetMs: 20,
      },
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
    sweeps: [
      {
        ...BOTH,
        strategies: ['single'],
        batches: pow2(256, 2048),
        worlds: [1],
        batchIs: 'global',
        dims: [64],
        chunks: [64],
        warmup: 0,
        samples: 3,
        timeBudgetMs: 200,
      },
      {
        ...BOTH,
        impls: ['chunked'],
        strategies: DIST,
        batches: [64],
        worlds: [2, 4, 8],
        batchIs: 'local',
        dims: [64],
        chunks: [64],
        warmup: 0,
        samples: 3,
        timeBudgetMs: 100,
      },
    ],
  },
  'quick-torch': {
    description:
      'torch on the CPU (the default --engine auto picks there), under 3 minutes on 2 cores: quick with c = 256 (fewer Python tile loops) and W = 2, 4 (each W starts W rank processes)',
    sweeps: [
      {
        ...BOTH,
        strategies: ['single'],
        batches: pow2(256, 2048),
        worlds: [1],
        batchIs: 'global',
        dims: [64],
        chunks: [256],
        warmup: 0,
        samples: 3,
        timeBudgetMs: 200,
      },
      {
        ...BOTH,
        impls: ['chunked'],
        strategies: DIST,
        batches: [64],
        worlds: [2, 4],
        batchIs: 'local',
        dims: [64],
        chunks: [256],
        warmup: 0,
        samples: 3,
        timeBudgetMs: 100,
      },
    ],
  },
  paper: {
    description: 'GPU: N 256→32768 (D 512, 768; c 1024); world sweeps at local 256→32768 and global up to 32768',
    sweeps: [
      {
        ...BOTH,
        strategies: ['single'],
        batches: pow2(256, 32768),
        worlds: [1],
        batchIs: 'global',
        dims: [512, 768],
        chunks: [1024],
        warmup: 2,
        samples: 5,
        timeBudgetMs: 1000,
      },
      {
        ...BOTH,
        impls: ['chunked'],
        strategies: DIST,
        batches: pow2(256, 32768),
        worlds: [2, 4, 8],
        batchIs: 'local',
        dims: [512],
        chunks: [1024],
        warmup: 1,
        samples: 5,
        timeBudgetMs: 500,
      },
      {
        ...BOTH,
        impls: ['chunked'],
        strategies: DIST,
        batches: [32768],
        worlds: [2, 4, 8],
        batchIs: 'global',
        dims: [512],
        chunks: [1024],
        warmup: 1,
        samples: 5,
        timeBudgetMs: 500,
      },
    ],
  },
  full: {
    description: 'everything: N 256→65536, D 256→1024, c 256→4096, every strategy and impl, W 1→16',
    sweeps: [
      {
        ...BOTH,
        strategies: ['single'],
        batches: pow2(256, 65536),
        worlds: [1],
        batchIs: 'global',
        dims: [256, 512, 768, 1024],
        chunks: [256, 1024, 4096],
        warmup: 2,
        samples: 7,
        timeBudgetMs: 1000,
      },
      {
        ...BOTH,
        strategies: DIST,
        batches: pow2(256, 65536),
        worlds: [2, 4, 8, 16],
        batchIs: 'local',
        dims: [512, 768],
        chunks: [1024],
        warmup: 1,
        samples: 5,
        timeBudgetMs: 500,
      },
    ],
  },
};
