// The sizes of a scenario that every prediction needs: what is computed, how it is split, how large.
import type { ImplId, LossName } from '../losses/types.js';

export interface ScenarioShape {
  loss: LossName;
  /** lossbench's own (naive, chunked: the models below apply), a third-party one, or a plugin. */
  impl: ImplId;
  /** 'single' or a distributed strategy of the loss (src/distributed/registry.ts). */
  strategy: string;
  /** Global batch N = world × localBatch. */
  n: number;
  world: number;
  localBatch: number;
  dim: number;
  /** Tile width c of an implementation that tiles; null for naive (it has none), from where the spec is born. */
  chunk: number | null;
}
