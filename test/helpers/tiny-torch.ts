// What the torch tests share: the Python they run, why they are skipped where it has no torch, and the flags
// of a tiny sweep on the CPU (the cost is Python and torch starting, once per worker and once per rank).
import { spawnSync } from 'node:child_process';
import { pythonOf } from '../../src/engine/torch.js';

export const PY = pythonOf();

/** false where PY imports torch, else the reason to skip. */
export const noTorch: string | false =
  spawnSync(PY, ['-c', 'import torch'], { stdio: 'ignore' }).status !== 0 &&
  `no torch in ${PY}: run scripts/setup-python.sh (or set LOSSBENCH_PYTHON to a Python with torch)`;

/** torch on the CPU, D = 8, c = 4, two samples of one step, no warm-up and no link probe. */
export const TINY_TORCH = [
  ...['--engine', 'torch', '--device', 'cpu', '--dim', '8', '--chunk', '4'],
  ...['--warmup', '0', '--samples', '2', '--sample-time-ms', '1', '--no-link-probe'],
];
