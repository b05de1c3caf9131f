// W rank programs (strategies/*.ts) in lock-step on the simulated world. Each program runs to its next
// collective; the W requests must pair up (same kind, phase, direction and shapes: an Error naming the
// ranks otherwise). The world then performs the collective: every message an explicit tf.clone held by
// the receiving device and written on the ledger; all-gather and reduce-scatter by the ring algorithm
// (W−1 rounds, each device sending one b×D block per round, as NCCL does for large messages). Each rank
// is resumed with what it received, until all W have returned.
import { tf, type Tensor, type Tensor2D } from '../engine/tf.js';
import type { Collective } from './collectives.js';
import type { Phase } from './ledger.js';
import type { RankProgram, RankStep } from './strategies/types.js';
import type { World } from './world.js';

const bytes = (ts: Tensor[]): number => ts.reduce((acc, t) => acc + t.size * 4, 0);

/** Runs the W programs (programs[k] on world.devices[k]) to their ends; their results in rank order. */
export function runLockstep(world: World, programs: RankProgram[]): RankStep[] {
  let received: Tensor[][] = programs.map(() => []);
  for (;;) {
    const steps = programs.map((p, k) => p.next(received[k]!));
    const done = steps.flatMap((s, k) => (s.done ? [k] : []));
    if (done.length === steps.length) return steps.map((s) => s.value as RankStep);
    const requests = steps.map((s) => (s.done ? null : s.value));
    if (done.length > 0)
      throw new Error(
        `lock-step: rank ${done.join(', ')} returned while rank ${ranksWaiting(requests)} wait in ${describe(requests.find((r) => r)!)}`,
      );
    received = perform(world, pairUp(requests as Collective[]));
  }
}

const ranksWaiting = (rs: (Collective | null)[]) => rs.flatMap((r, k) => (r ? [k] : [])).join(', ');

/** 'ring fwd +1 [5×8, 5×8]'. */
function describe(c: Collective): string {
  const dir = c.kind === 'ring' ? ` ${c.step > 0 ? '+' : ''}${c.step}` : '';
  return `${c.kind} ${c.phase}${dir} [${c.tensors.map((t) => t.shape.join('×')).join(', ')}]`;
}

/** The W requests, checked to be one collective: each rank's as rank 0's. */
function pairUp(requests: Collective[]): Collective[] {
  const want = describe(requests[0]!);
  for (const [k, r] of requests.entries())
    if (describe(r) !== want)
      throw new Error(`lock-step: the collectives do not pair up: rank 0 ${want}, rank ${k} ${describe(r)}`);
  return requests;
}

function perform(world: World, rs: Collective[]): Tensor[][] {
  const { kind, phase, step } = rs[0]!;
  const sent = rs.map(tensorsOf);
  const blocks = sent.map(([t]) => t as Tensor2D);
  if (kind === 'ring') return ringShift(world, phase, sent, step);
  if (kind === 'ring-bidir') return bidirShift(world, phase, sent);
  const got = kind === 'all-gather' ? allGather(world, phase, blocks) : reduceScatter(world, phase, blocks);
  return got.map((t) => [t]);
}

const tensorsOf = (r: Collective) => r.tensors;

/** Each device k sends `payload[k]` (one message) to the device `step` places away; what each received. */
function ringShift(world: World, phase: Phase, payload: Tensor[][], step: 1 | -1): Tensor[][] {
  const received: Tensor[][] = Array.from({ length: world.size }, () => []);
  for (let k = 0; k < world.size; k++) {
    const to = world.neighbour(k, step);
    world.ledger.transfer('ring', phase, k, to, bytes(payload[k]!));
    received[to] = payload[k]!.map((t) => world.devices[to]!.hold(tf.clone(t)));
  }
  world.ledger.round('ring', phase, allRanks(world));
  return received;
}

/** One bidirectional round: device k sends its [toRight, toLeft] to k+1 and k−1 at once; [fromLeft, fromRight] each. */
function bidirShift(world: World, phase: Phase, sent: Tensor[][]): Tensor[][] {
  const received: Tensor[][] = Array.from({ length: world.size }, () => []);
  for (let k = 0; k < world.size; k++) {
    const [toRight, toLeft] = sent[k] as [Tensor, Tensor];
    const right = world.neighbour(k, 1);
    const left = world.neighbour(k, -1);
    world.ledger.transfer('ring-bidir', phase, k, right, bytes([toRight]));
    world.ledger.transfer('ring-bidir', phase, k, left, bytes([toLeft]));
    received[right]![0] = world.devices[right]!.hold(tf.clone(toRight));
    received[left]![1] = world.devices[left]!.hold(tf.clone(toLeft));
  }
  world.ledger.round('ring-bidir', phase, allRanks(world));
  return received;
}

const allRanks = (world: World) => world.devices.map((d) => d.rank);

/**
 * Ring all-gather of equal blocks (b×D): in round s device k forwards to k+1 the block it received in
 * round s−1 (its own in round 1). Bytes per device: (W−1)·E sent and received, W−1 rounds.
 * Returns each device's N×D concatenation in owner order (held by that device).
 */
function allGather(world: World, phase: Phase, blocks: Tensor2D[]): Tensor2D[] {
  const W = world.size;
  const got: Tensor2D[][] = blocks.map((b, k) => {
    const row = new Array<Tensor2D>(W);
    row[k] = b;
    return row;
  });
  for (let s = 1; s < W; s++) {
    // device k sends the block of owner k−s+1 (mod W)
    const payload = blocks.map((_, k) => got[k]![world.neighbour(k, 1 - s)]!);
    for (let k = 0; k < W; k++) {
      const to = world.neighbour(k, 1);
      const owner = world.neighbour(k, 1 - s);
      world.ledger.transfer('all-gather', phase, k, to, bytes([payload[k]!]));
      got[to]![owner] = world.devices[to]!.hold(tf.clone(payload[k]!));
    }
    world.ledger.round('all-gather', phase, allRanks(world));
  }
  return got.map((row, k) => {
    const dev = world.devices[k]!;
    const full = tf.concat(row, 0) as Tensor2D;
    row.forEach((t, j) => j !== k && dev.drop(t)); // the received blocks now live in `full`
    return dev.hold(full);
  });
}

/**
 * Ring reduce-scatter: partials[k] is device k's N×D contribution; device j ends with Σ_k rows j·b..(j+1)·b.
 * The accumulator of block j starts on device j+1, moves one place right per round adding each
 * device's contribution, and arrives on j after W−1 rounds: (W−1)·E sent and received per device.
 */
function reduceScatter(world: World, phase: Phase, partials: Tensor2D[]): Tensor2D[] {
  const W = world.size;
  const b = partials[0]!.shape[0] / W;
  const chunk = (k: number, j: number) => tf.slice(partials[k]!, [j * b, 0], [b, -1]) as Tensor2D;
  // acc[j] lives on device pos[j]
  const acc = Array.from({ length: W }, (_, j) => {
    const k = world.neighbour(j, 1);
    return world.devices[k]!.compute(() => [chunk(k, j)])[0];
  });
  for (let s = 1; s < W; s++) {
    for (let j = 0; j < W; j++) {
      const from = world.neighbour(j, s);
      const to = world.neighbour(j, s + 1);
      world.ledger.transfer('reduce-scatter', phase, from, to, bytes([acc[j]!]));
      const recv = world.devices[to]!.hold(tf.clone(acc[j]!));
      world.devices[from]!.drop(acc[j]);
      acc[j] = world.devices[to]!.compute(() => [tf.add(recv, chunk(to, j)) as Tensor2D])[0];
      world.devices[to]!.drop(recv);
    }
    world.ledger.round('reduce-scatter', phase, allRanks(world));
  }
  return acc as Tensor2D[];
}
