import type { Scalar, Tensor2D } from '../../engine/tf.js';
import type { ImplName } from '../../losses/types.js';
import type { World } from '../world.js';

export interface StrategyContext {
  world: World;
  impl: ImplName;
  /** Tile width c of chunked local computations. */
  chunk: number;
  /** Global batch N = W·b. */
  n: number;
  /** Local batch b. */
  b: number;
  tPrime: Scalar;
  bias: Scalar;
}

/** Device k's own pairs (b×D), held by device k. */
export interface Shard {
  x: Tensor2D;
  y: Tensor2D;
}

/** Device k's results, held by device k: its rows of dx and dy and its share of the scalars. */
export interface DeviceResult {
  loss: Scalar;
  dx: Tensor2D;
  dy: Tensor2D;
  dtPrime: Scalar;
  dBias?: Scalar;
}

export interface StrategyOutput {
  devices: DeviceResult[];
  /** 'sum': the scalars are per-device shares to add up; 'replicated': every device has the full value. */
  scalars: 'sum' | 'replicated';
}

export type StrategyRun = (ctx: StrategyContext, shards: Shard[]) => StrategyOutput;
