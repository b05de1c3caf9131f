// Tile sizes of the fused WebGPU loss kernels, chosen from the adapter's limits, and the global buffers
// they write. Pure: no device needed, so the choice is unit-tested on any machine and recorded in run.json.
//
// One workgroup owns a block of `block` rows and sweeps tiles of `tile` columns (roles swapped in the dy
// sweep). Each thread computes microRows × microCols logits of a tile (register blocking); D is staged
// through workgroup memory `dChunk` floats at a time and read as vec4.

export interface Tiling {
  /** R: rows one workgroup owns (x rows in the forward and dx sweeps, y rows in the dy sweep). */
  block: number;
  /** C: entries of the other side in each tile the workgroup sweeps. */
  tile: number;
  /** Logits per thread per tile: microRows × microCols, held in registers. */
  microRows: number;
  microCols: number;
  /** Floats of D staged in workgroup memory per step; a multiple of 4 (vec4 loads). */
  dChunk: number;
  /** Floats of D one gradient workgroup accumulates (its slice of dx or dy); bounds its registers. */
  dSlice: number;
}

/** The adapter limits the choice depends on (WebGPU names; the defaults are WebGPU's guaranteed minimums). */
export interface KernelLimits {
  /** Bytes of var<workgroup> memory per workgroup. */
  maxComputeWorkgroupStorageSize: number;
  maxComputeInvocationsPerWorkgroup: number;
  maxComputeWorkgroupSizeX: number;
  /** Bytes one storage binding may span (every buffer a kernel reads or writes). */
  maxStorageBufferBindingSize: number;
}

export const WEBGPU_DEFAULT_LIMITS: KernelLimits = {
  maxComputeWorkgroupStorageSize: 16384,
  maxComputeInvocationsPerWorkgroup: 256,
  maxComputeWorkgroupSizeX: 256,
  maxStorageBufferBindingSize: 134217728,
};

/**
 * Gradient accumulator floats per thread (its share of a block's dx or dy slice). Past ~64 live floats
 * a thread spills registers on the GPUs we know; D beyond that is split into slices (a second grid axis)
 * at the price of recomputing the logits once per slice.
 */
export const MAX_ACCUMULATOR_FLOATS = 64;

/** Largest first: a bigger tile reloads x and y less often and writes fewer column partials. */
const CANDIDATES: readonly Pick<Tiling, 'block' | 'tile' | 'microRows' | 'microCols'>[] = [
  { block: 64, tile: 64, microRows: 4, microCols: 4 },
  { block: 32, tile: 32, microRows: 2, microCols: 2 },
  { block: 16, tile: 16, microRows: 1, microCols: 1 },
  { block: 8, tile: 8, microRows: 1, microCols: 1 },
];

const D_CHUNK = 16;

export function workgroupSize(t: Pick<Tiling, 'block' | 'tile' | 'microRows' | 'microCols'>): number {
  return (t.block / t.microRows) * (t.tile / t.microCols);
}

/** Threads sharing one row of the block in the dx/dy product; the rest of the workgroup idles there. */
export function lanesPerRow(t: Tiling): number {
  return Math.floor(workgroupSize(t) / t.block);
}

/**
 * Workgroup memory of every sweep kernel, bytes: the staged x and y chunks, the logit (or G) tile with a
 * padded row (bank conflicts), and one float per thread for the closing tree reduction.
 */
export function workgroupBytes(t: Tiling): number {
  return 4 * (t.block * t.dChunk + t.tile * t.dChunk + t.block * (t.tile + 1) + workgroupSize(t));
}

/** Why a tiling cannot run, or null. */
export function tilingProblem(t: Tiling, limits: KernelLimits): string | null {
  const wg = workgroupSize(t);
  if (t.block % t.microRows || t.tile % t.microCols) return 'micro tile must divide the tile';
  if (t.dChunk % 4 || t.dSlice % 4 || t.dSlice < 4) return 'dChunk and dSlice must be positive multiples of 4';
  if (wg > limits.maxComputeInvocationsPerWorkgroup || wg > limits.maxComputeWorkgroupSizeX)
    return `${wg} threads exceed the adapter's ${Math.min(limits.maxComputeInvocationsPerWorkgroup, limits.maxComputeWorkgroupSizeX)}`;
  // The row statistics (one thread per row) and column partials (one per column) run side by side.
  if (wg < t.block + t.tile) return `${wg} threads cannot hold one per row and one per column (${t.block + t.tile})`;
  if (workgroupBytes(t) > limits.maxComputeWorkgroupStorageSize)
    return `${workgroupBytes(t)} B of workgroup memory exceed the adapter's ${limits.maxComputeWorkgroupStorageSize}`;
  return null;
}

const roundUp4 = (v: number) => Math.ceil(v / 4) * 4;

/** The largest candidate tiling the adapter allows, with D sliced so each thread keeps ≤ 64 accumulators. */
export function chooseTiling(limits: KernelLimits, d: number): Tiling {
  const tried: string[] = [];
  for (const c of CANDIDATES) {
    const wg = workgroupSize(c);
    const lanes = Math.max(1, Math.floor(wg / c.block));
    const dSlice = Math.min(roundUp4(d), 4 * lanes * Math.floor(MAX_ACCUMULATOR_FLOATS / 4));
    const t: Tiling = { ...c, dChunk: D_CHUNK, dSlice };
    const why = tilingProblem(t, limits);
    if (!why) return t;
    tried.push(`${c.block}×${c.tile}: ${why}`);
  }
  throw new Error(`no fused tiling fits this adapter (${tried.join('; ')})`);
}

export interface GlobalBuffer {
  /** Which kernel writes it, and what it holds. */
  name: string;
  floats: number;
}

/** Row blocks of the forward and dx sweeps (= column blocks of the dy sweep when block is shared). */
export const blocksOf = (n: number, t: Pick<Tiling, 'block'>) => Math.ceil(n / t.block);

/**
 * Every global buffer the fused kernels write for one step, in floats. O(N) state plus, for CLIP, the
 * forward's column partials: (max, sum, off-diagonal sum) per row block and column, 3·⌈N/R⌉·N floats,
 * the one buffer that grows faster than N (by N/R; never an N×c strip of logits).
 */
export function globalBuffers(loss: 'clip' | 'siglip', n: number, d: number, t: Tiling): GlobalBuffer[] {
  const b = blocksOf(n, t);
  if (loss === 'clip')
    return [
      {
        name: 'clipRowSweep: rows (max, 1/sum, off-diagonal mass, diagonal logit, row term) + column partials',
        floats: 5 * n + 3 * b * n,
      },
      { name: 'clipColumnCombine: columns (max, 1/sum, off-diagonal mass, row + column term)', floats: 4 * n },
      { name: 'sumReduce: loss', floats: 1 },
      { name: "clipGradSweep dx: dx + dt' partials", floats: n * d + b },
      { name: 'clipGradSweep dy: dy', floats: n * d },
      { name: "sumReduce: dt'", floats: 1 },
    ];
  return [
    { name: 'siglipLossSweep: loss partials', floats: b },
    { name: 'sumReduce: loss', floats: 1 },
    { name: "siglipGradSweep dx: dx + dt' and dβ partials", floats: n * d + 2 * b },
    { name: 'siglipGradSweep dy: dy', floats: n * d },
    { name: "sumReduce: dt'", floats: 1 },
    { name: 'sumReduce: dβ', floats: 1 },
  ];
}

/** The buffers (inputs included) that exceed one storage binding, with their sizes; empty when N fits. */
export function oversizeBindings(
  loss: 'clip' | 'siglip',
  n: number,
  d: number,
  t: Tiling,
  limits: KernelLimits,
): string[] {
  const all = [{ name: 'x, y inputs', floats: n * d }, ...globalBuffers(loss, n, d, t)];
  return all
    .filter((g) => 4 * g.floats > limits.maxStorageBufferBindingSize)
    .map((g) => `${g.name}: ${4 * g.floats} B`);
}

/** What run.json records about the choice. */
export function describeTiling(t: Tiling, limits: KernelLimits): Record<string, number> {
  return {
    block: t.block,
    tile: t.tile,
    micro_rows: t.microRows,
    micro_cols: t.microCols,
    d_chunk: t.dChunk,
    d_slice: t.dSlice,
    workgroup_size: workgroupSize(t),
    workgroup_bytes: workgroupBytes(t),
    limit_workgroup_bytes: limits.maxComputeWorkgroupStorageSize,
    limit_invocations: limits.maxComputeInvocationsPerWorkgroup,
  };
}
