import { clipChunked, clipNaive } from './clip.js';
import { siglipChunked, siglipNaive } from './siglip.js';
import type { ImplName, LossName, LossStep } from './types.js';

export * from './types.js';

/** The step function of one loss × impl; `chunk` is the tile width c of chunked implementations. */
export function lossStep(loss: LossName, impl: ImplName, chunk: number | null): LossStep {
  if (impl === 'naive') return loss === 'clip' ? clipNaive : siglipNaive;
  if (chunk === null) throw new RangeError(`${loss} chunked needs a tile width, got none`);
  return loss === 'clip' ? clipChunked(chunk) : siglipChunked(chunk);
}
