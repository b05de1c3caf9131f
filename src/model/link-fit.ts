// A measured link for the communication model: α (latency per round) and β (bytes per second each way)
// fitted to a torch link probe (run.json's link_probe, from `lossbench_torch linkprobe`), so that `plan
// --link-from` models the interconnect the runs really had instead of a preset.
import type { LinkProbe } from '../engine/torch.js';
import type { Link } from './comm.js';
import { fitTwoTerms } from './least-squares.js';

/**
 * Each probe row is one collective: time = rounds·α + sent/β, in the model's own terms — all_gather of
 * `bytes` (the gathered total) over W ranks takes W−1 rounds and sends (W−1)/W·bytes per rank (nccl-tests'
 * busbw is that over the time); sendrecv takes one round and sends `bytes`. Non-negative least squares
 * over all rows gives α and 1/β. Null when the rows cannot determine a bandwidth.
 */
export function linkFromProbe(probe: LinkProbe, name = `measured (${probe.backend}, W = ${probe.world})`): Link | null {
  const W = probe.world;
  const rounds: number[] = [];
  const sent: number[] = [];
  const seconds: number[] = [];
  for (const r of probe.results ?? []) {
    if (!(r.bytes > 0 && r.time_us > 0)) continue;
    if (r.op === 'all_gather') {
      rounds.push(W - 1);
      sent.push((r.bytes * (W - 1)) / W);
    } else if (r.op === 'sendrecv') {
      rounds.push(1);
      sent.push(r.bytes);
    } else continue;
    seconds.push(r.time_us * 1e-6);
  }
  if (seconds.length === 0) return null;
  const [alpha, inverseBeta] = fitTwoTerms(rounds, sent, seconds);
  if (!(inverseBeta > 0)) return null;
  return { name, bytesPerSecond: 1 / inverseBeta, latencyS: alpha };
}
