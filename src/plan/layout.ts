// `plan --nodes n --gpus-per-node g`: the strategies on a cluster with two links, one within a node and one
// between nodes. Ranks are placed node-major (ranks 0..g−1 on node 0, ...) and every strategy's traffic moves
// in ring order (the rings themselves, and the ring algorithms NCCL and gloo run all-gather and reduce-scatter
// with), so in each round every device hands its block to a neighbour: W − n of those hand-offs stay within a
// node and n cross to the next node. A device therefore sends its B bytes per step over the intra-node link (or,
// at a node's edge, over the inter-node one), and each node's network port carries one device's worth, B bytes
// each way per step, whatever g is. Each round waits for its slowest hand-off, so the step's communication
// time is that of the slower link: max over links of rounds·α + B/β, the bottleneck named.
import type { LossName } from '../losses/types.js';
import type { StrategyName } from '../distributed/registry.js';
import { commTimeMs, type Link } from '../model/comm.js';
import { formatBytes } from '../util/format.js';
import { renderText, type Column } from '../util/table.js';
import type { PlanRow } from './plan.js';

export interface NodeLinks {
  nodes: number;
  gpusPerNode: number;
  intra: Link;
  inter: Link;
  /** The FLOP/s one GPU achieves on the loss's matmuls: turns each strategy's FLOPs into time. */
  deviceFlopsPerS: number;
}

export interface LayoutRow {
  loss: LossName;
  strategy: StrategyName;
  /** Per step: what each device sends over the intra-node link (the busiest: a device inside a node). */
  intraBytesPerDevice: number;
  /** Per step: what each node sends to the next over the inter-node link (each way). */
  interBytesPerNode: number;
  rounds: number;
  intraMs: number;
  interMs: number;
  commMs: number;
  bottleneck: 'intra-node' | 'inter-node' | 'none';
  /** The impl with the smaller per-device memory, and whether it fits. */
  impl: PlanRow['impl'];
  perDeviceBytes: number;
  fits: boolean;
  /** Per GPU. */
  flops: number;
  /** flops / deviceFlopsPerS, ms. */
  computeMs: number;
  /** computeMs + commMs: nothing overlapped (the rings can hide comm behind compute; this is the bound). */
  stepMs: number;
}

/** One row per loss × strategy (communication does not depend on the impl; memory does: the leaner is taken). */
export function layoutRows(rows: readonly PlanRow[], l: NodeLinks): LayoutRow[] {
  const out: LayoutRow[] = [];
  const W = l.nodes * l.gpusPerNode;
  for (const r of rows) {
    if (r.world !== W || r.world === 1) continue;
    const prior = out.find((o) => o.loss === r.loss && o.strategy === r.strategy);
    if (prior) {
      if (r.perDeviceBytes < prior.perDeviceBytes) {
        const flops = r.flops / W;
        const computeMs = (flops / l.deviceFlopsPerS) * 1e3;
        Object.assign(prior, { impl: r.impl, perDeviceBytes: r.perDeviceBytes, fits: r.fits, flops });
        Object.assign(prior, { computeMs, stepMs: computeMs + prior.commMs });
      }
      continue;
    }
    const B = r.commBytesSent;
    const intraBytes = l.gpusPerNode > 1 ? B : 0;
    const interBytes = l.nodes > 1 ? B : 0;
    const intraMs = intraBytes ? commTimeMs(B, r.commRounds, l.intra) : 0;
    const interMs = interBytes ? commTimeMs(B, r.commRounds, l.inter) : 0;
    const bottleneck = !intraMs && !interMs ? 'none' : interMs >= intraMs ? 'inter-node' : 'intra-node';
    const flops = r.flops / W; // plan's FLOPs are all devices' together
    const computeMs = (flops / l.deviceFlopsPerS) * 1e3;
    out.push({
      loss: r.loss,
      strategy: r.strategy,
      intraBytesPerDevice: intraBytes,
      interBytesPerNode: interBytes,
      rounds: r.commRounds,
      intraMs,
      interMs,
      commMs: Math.max(intraMs, interMs),
      bottleneck,
      impl: r.impl,
      perDeviceBytes: r.perDeviceBytes,
      fits: r.fits,
      flops,
      computeMs,
      stepMs: computeMs + Math.max(intraMs, interMs),
    });
  }
  return out;
}

const COLUMNS: Column<LayoutRow>[] = [
  { header: 'loss', cell: (r) => r.loss },
  { header: 'strategy', cell: (r) => r.strategy },
  { header: 'intra-node sent/GPU', align: 'right', cell: (r) => formatBytes(r.intraBytesPerDevice) },
  { header: 'inter-node sent/node', align: 'right', cell: (r) => formatBytes(r.interBytesPerNode) },
  { header: 'rounds', align: 'right', cell: (r) => String(r.rounds) },
  { header: 'intra ms', align: 'right', cell: (r) => r.intraMs.toFixed(3) },
  { header: 'inter ms', align: 'right', cell: (r) => r.interMs.toFixed(3) },
  { header: 'comm ms (modelled)', align: 'right', cell: (r) => r.commMs.toFixed(3) },
  { header: 'bottleneck', cell: (r) => r.bottleneck },
  { header: 'leaner impl', cell: (r) => r.impl },
  { header: 'mem/GPU', align: 'right', cell: (r) => formatBytes(r.perDeviceBytes) },
  { header: 'fits', cell: (r) => (r.fits ? 'yes' : 'no') },
  { header: 'FLOPs/GPU', align: 'right', cell: (r) => r.flops.toExponential(2) },
  { header: 'compute ms', align: 'right', cell: (r) => r.computeMs.toFixed(3) },
  { header: 'step ms (≤)', align: 'right', cell: (r) => r.stepMs.toFixed(3) },
];

const linkText = (k: Link) =>
  `${k.name} (${(k.bytesPerSecond / 1e9).toPrecision(3)} GB/s, ${(k.latencyS * 1e6).toPrecision(3)} µs)`;

/** Per loss: the strategy to pick for the layout, and why: it fits, then the least compute + comm time. */
export function layoutAnswer(rows: readonly LayoutRow[], l: NodeLinks): string[] {
  const out: string[] = [];
  for (const loss of [...new Set(rows.map((r) => r.loss))]) {
    const mine = rows.filter((r) => r.loss === loss);
    const fitting = mine.filter((r) => r.fits);
    if (!fitting.length) {
      const least = [...mine].sort((a, b) => a.perDeviceBytes - b.perDeviceBytes)[0]!;
      out.push(
        `${loss}: nothing fits; the leanest is ${loss}/${least.strategy} ${least.impl} at ${formatBytes(least.perDeviceBytes)} per GPU: lower the batch or add GPUs.`,
      );
      continue;
    }
    const order = (a: LayoutRow, b: LayoutRow) => a.stepMs - b.stepMs || a.perDeviceBytes - b.perDeviceBytes;
    const [best, next] = [...fitting].sort(order) as [LayoutRow, LayoutRow | undefined];
    const moved = formatBytes(best.interBytesPerNode || best.intraBytesPerDevice);
    const why = [
      `it fits (${formatBytes(best.perDeviceBytes)} per GPU, ${best.impl})`,
      `its step is the shortest modelled: ${best.computeMs.toFixed(2)} ms of compute (${best.flops.toExponential(2)} FLOPs per GPU) + ${best.commMs.toFixed(2)} ms of communication on the ${best.bottleneck} link (${moved} per step in ${best.rounds} rounds)`,
      ...(next
        ? [
            `next, ${next.strategy}: ${next.stepMs.toFixed(2)} ms (${next.computeMs.toFixed(2)} + ${next.commMs.toFixed(2)})`,
          ]
        : []),
    ];
    const slower = mine.filter((r) => !r.fits).map((r) => r.strategy);
    out.push(
      `${loss}: pick ${loss}/${best.strategy} — ${why.join('; ')}${slower.length ? `; ${slower.join(', ')} do not fit` : ''}.`,
    );
  }
  const bottle = rows.some((r) => r.bottleneck === 'inter-node') ? 'inter-node' : 'intra-node';
  out.push(
    `Every strategy's traffic crosses between nodes as one device's share per round, so with ${l.nodes} node(s) the ${bottle} link sets the time; adding GPUs per node does not add traffic between nodes.`,
  );
  return out;
}

export function formatLayout(rows: readonly LayoutRow[], l: NodeLinks): string {
  return [
    `layout: ${l.nodes} nodes × ${l.gpusPerNode} GPUs (W = ${l.nodes * l.gpusPerNode}, ranks node-major); within a node ${linkText(l.intra)}, between nodes ${linkText(l.inter)}; ${(l.deviceFlopsPerS / 1e12).toPrecision(3)} TFLOP/s per GPU`,
    'per step: each GPU sends its bytes to a ring neighbour over the intra-node link, each node one GPU’s worth to the next node; comm time = max over links of rounds·α + bytes/β; step ≤ compute + comm (all modelled)',
    '',
    renderText(COLUMNS, rows),
    '',
    'Answer:',
    ...layoutAnswer(rows, l).map((s) => `  ${s}`),
  ].join('\n');
}
