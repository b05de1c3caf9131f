// Strategies that only third-party implementations run (the torch engine's openclip): open_clip's
// distributed modes with no lossbench counterpart. lossbench's own naive and chunked report them
// `unsupported`; their bytes are counted by the torch engine's wrapper of torch.distributed like any other,
// and these formulas (per device per step, E = s·b·D) are only the prediction beside the count.
// docs/implementations.md, "The mapping", holds the whole table.
import type { LossName } from '../losses/types.js';

export interface ThirdPartyStrategy {
  loss: LossName;
  name: string;
  /** The third-party mode it names. */
  mode: string;
  description: string;
  /** Blocks of E one device sends per step, forward + backward. */
  blocks: (world: number) => number;
}

export const THIRD_PARTY_STRATEGIES: readonly ThirdPartyStrategy[] = [
  {
    loss: 'clip',
    name: 'allgather-global-grad',
    mode: 'open_clip ClipLoss(gather_with_grad=True, local_loss=False)',
    description: 'all-gather x and y with gradient; every device the whole N×N loss; reduce-scatter backward',
    blocks: (W) => 4 * (W - 1),
  },
  {
    loss: 'clip',
    name: 'allgather-local-nograd',
    mode: 'open_clip ClipLoss(gather_with_grad=False, local_loss=True)',
    description: 'all-gather x and y without gradient; each device its b×N logits: the gradient is wrong',
    blocks: (W) => 2 * (W - 1),
  },
  {
    loss: 'siglip',
    name: 'allreduce',
    mode: "open_clip SigLipLoss(dist_impl='reduce')",
    description: 'W all-reduces of a masked b×D block bring each y_j to every device; all-reduce backward',
    blocks: (W) => 4 * (W - 1),
  },
];

export function thirdPartyStrategy(loss: string, name: string): ThirdPartyStrategy | undefined {
  return THIRD_PARTY_STRATEGIES.find((s) => s.loss === loss && s.name === name);
}

/** Strategy names per loss that scenarios may name: the registry's and these. */
export function thirdPartyNames(loss: LossName): string[] {
  return THIRD_PARTY_STRATEGIES.filter((s) => s.loss === loss).map((s) => s.name);
}
