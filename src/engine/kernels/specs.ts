// Every launch of the fused kernels as plain data (source, inputs, output size, grid, uniforms) and the
// order a step launches them in, independent of who runs them: tfjs's WebGPU backend (programs.ts) or,
// in the tests, a CPU WGSL interpreter. Both therefore run the same schedule, offsets and scales.
import { clipColumnCombineSource, clipRowSweepSource, COMBINE_THREADS } from './clip.wgsl.js';
import { gradSweepSource, type SweepRole } from './grad-sweep.wgsl.js';
import { CLIP_COL_FIELDS, clipRowSweepFloats, fieldOffset, gradSweepFloats } from './layout.js';
import { REDUCE_THREADS, sumReduceSource } from './reduce.wgsl.js';
import { siglipLossSweepSource } from './siglip.wgsl.js';
import { blocksOf, workgroupSize, type Tiling } from './tiling.js';

export interface Uniform {
  /** The member as declared in tfjs's Uniforms struct, e.g. "n : i32". */
  decl: string;
  type: 'int32' | 'float32';
  value: number;
}

export interface KernelSpec {
  /** The kernel's name (the profiler shows it) and the key its compiled pipeline is cached under. */
  name: string;
  key: string;
  source: string;
  /** Input names, bound in this order after the output (tfjs's variableNames). */
  inputs: string[];
  outputFloats: number;
  workgroups: number;
  threads: number;
  uniforms: Uniform[];
}

const tilingKey = (t: Tiling) => `${t.block}_${t.tile}_${t.microRows}_${t.microCols}_${t.dChunk}_${t.dSlice}`;
const nd = (n: number, d: number): Uniform[] => [
  { decl: 'n : i32', type: 'int32', value: n },
  { decl: 'd : i32', type: 'int32', value: d },
];

export function clipRowSweepSpec(n: number, d: number, t: Tiling): KernelSpec {
  return {
    name: 'ClipRowSweep',
    key: `clipRowSweep_${tilingKey(t)}`,
    source: clipRowSweepSource(t),
    inputs: ['x', 'y', 'tPrime'],
    outputFloats: clipRowSweepFloats(n, t),
    workgroups: blocksOf(n, t),
    threads: workgroupSize(t),
    uniforms: nd(n, d),
  };
}

export function clipColumnCombineSpec(n: number, d: number, t: Tiling): KernelSpec {
  return {
    name: 'ClipColumnCombine',
    key: `clipColumnCombine_${t.block}`,
    source: clipColumnCombineSource(t),
    inputs: ['rowState'],
    outputFloats: CLIP_COL_FIELDS.length * n,
    workgroups: Math.ceil(n / COMBINE_THREADS),
    threads: COMBINE_THREADS,
    uniforms: nd(n, d),
  };
}

export function gradSweepSpec(loss: 'clip' | 'siglip', role: SweepRole, n: number, d: number, t: Tiling): KernelSpec {
  const partials = role === 'dy' ? 0 : loss === 'clip' ? 1 : 2;
  return {
    name: loss === 'clip' ? 'ClipGradSweep' : 'SiglipGradSweep',
    key: `${loss}GradSweep_${role}_${tilingKey(t)}`,
    source: gradSweepSource(loss, role, t),
    inputs: ['x', 'y', 'tPrime', ...(loss === 'clip' ? ['rowState', 'colState'] : ['bias'])],
    outputFloats: gradSweepFloats(n, d, t, partials),
    workgroups: blocksOf(n, t) * Math.ceil(d / t.dSlice),
    threads: workgroupSize(t),
    uniforms: nd(n, d),
  };
}

export function siglipLossSweepSpec(n: number, d: number, t: Tiling): KernelSpec {
  return {
    name: 'SiglipLossSweep',
    key: `siglipLossSweep_${tilingKey(t)}`,
    source: siglipLossSweepSource(t),
    inputs: ['x', 'y', 'tPrime', 'bias'],
    outputFloats: blocksOf(n, t),
    workgroups: blocksOf(n, t),
    threads: workgroupSize(t),
    uniforms: nd(n, d),
  };
}

/** Σ values[offset .. offset + count) · scale (scale rounded to float32 here, as the model does). */
export function sumReduceSpec(offset: number, count: number, scale: number): KernelSpec {
  return {
    name: 'SumReduce',
    key: 'sumReduce',
    source: sumReduceSource(),
    inputs: ['values'],
    outputFloats: 1,
    workgroups: 1,
    threads: REDUCE_THREADS,
    uniforms: [
      { decl: 'count : i32', type: 'int32', value: count },
      { decl: 'offset : i32', type: 'int32', value: offset },
      { decl: 'scale : f32', type: 'float32', value: Math.fround(scale) },
    ],
  };
}

/** Runs one launch on buffers of type B (tensors, or typed arrays in the tests). */
export type Launch<B> = (spec: KernelSpec, inputs: B[]) => B;

/** What a fused step leaves: one-float buffers and the packed gradient sweeps (dx/dy first, N·D each). */
export interface FusedOutputs<B> {
  loss: B;
  dxPack: B;
  dyPack: B;
  dtPrime: B;
  /** SigLIP only. */
  dBias?: B;
}

/** The launches of one step, in order: clipFusedModel / siglipFusedModel of src/losses/fused-model.ts. */
export function runFusedStep<B>(
  launch: Launch<B>,
  loss: 'clip' | 'siglip',
  io: { x: B; y: B; tPrime: B; bias: B },
  n: number,
  d: number,
  t: Tiling,
): FusedOutputs<B> {
  const { x, y, tPrime, bias } = io;
  const b = blocksOf(n, t);
  if (loss === 'clip') {
    const rowState = launch(clipRowSweepSpec(n, d, t), [x, y, tPrime]);
    const colState = launch(clipColumnCombineSpec(n, d, t), [rowState]);
    const lossB = launch(sumReduceSpec(fieldOffset(CLIP_COL_FIELDS, 'term', n), n, 0.5 / n), [colState]);
    const dxPack = launch(gradSweepSpec('clip', 'dx', n, d, t), [x, y, tPrime, rowState, colState]);
    const dyPack = launch(gradSweepSpec('clip', 'dy', n, d, t), [x, y, tPrime, rowState, colState]);
    return { loss: lossB, dxPack, dyPack, dtPrime: launch(sumReduceSpec(n * d, b, 1), [dxPack]) };
  }
  const lossB = launch(sumReduceSpec(0, b, 1 / n), [launch(siglipLossSweepSpec(n, d, t), [x, y, tPrime, bias])]);
  const dxPack = launch(gradSweepSpec('siglip', 'dx', n, d, t), [x, y, tPrime, bias]);
  const dyPack = launch(gradSweepSpec('siglip', 'dy', n, d, t), [x, y, tPrime, bias]);
  return {
    loss: lossB,
    dxPack,
    dyPack,
    dtPrime: launch(sumReduceSpec(n * d, b, 1), [dxPack]),
    dBias: launch(sumReduceSpec(n * d + b, b, 1), [dxPack]),
  };
}
