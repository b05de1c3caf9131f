import type { LossName } from '../losses/types.js';

/** Strategies per loss; 'single' is one device holding all N pairs. */
export const STRATEGIES: Record<LossName, readonly string[]> = {
  clip: ['single', 'allgather-global', 'allgather-local', 'ring'],
  siglip: ['single', 'allgather', 'ring', 'ring-bidir'],
};

