import { clipChunked, clipNaive } from './clip.js';
import { siglipChunked, siglipNaive } from './siglip.js';
import type { ImplName, LossName, LossStep } from './types.js';

export * from './types.js';

/** The step function of one loss × impl; `chunk` is the tile width c of chunked implementations. */
export function lossStep(loss: LossName, impl: ImplName, chunk: number): LossStep {
  if (loss === 'clip') return impl === 'naive' ? clipNaive : clipChunked(chunk);
  return impl === 'naive' ? siglipNaive : siglipChunked(chunk);
}
