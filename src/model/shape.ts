// The sizes of a scenario that every prediction needs: what is computed, how it is split, how large.
import type { ImplName, LossName } from '../losses/types.js';

export interface ScenarioShape {
  loss: LossName;
  impl: ImplName;
  /** 'single' or a distributed strategy of the loss (src/distributed/registry.ts). */
  strategy: string;
  /** Global batch N = world × localBatch. */
  n: number;
  world: number;
  localBatch: number;
  dim: number;
  /** Tile width c; used by chunked implementations only. */
  chunk: number;
}
