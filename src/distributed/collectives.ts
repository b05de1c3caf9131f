// Collectives between simulated devices. A transfer is an explicit tf.clone held by the receiver and
// written on the ledger; all-gather and reduce-scatter use the ring algorithm (W−1 rounds, each device
// sending one b×D block per round), as NCCL does for large messages.
import { tf, type Tensor, type Tensor2D } from '../engine/tf.js';
import type { Phase } from './ledger.js';
import type { World } from './world.js';

const bytes = (ts: Tensor[]): number => ts.reduce((acc, t) => acc + t.size * 4, 0);

/** Each device k sends `payload[k]` (one message) to the device `step` places away; returns what each received. */
export function ringShift(world: World, phase: Phase, payload: Tensor[][], step: 1 | -1 = 1): Tensor[][] {
  const received: Tensor[][] = Array.from({ length: world.size }, () => []);
  for (let k = 0; k < world.size; k++) {
    const to = world.neighbour(k, step);
    world.ledger.transfer('ring', phase, k, to, bytes(payload[k]!));
    received[to] = payload[k]!.map((t) => world.devices[to]!.hold(tf.clone(t)));
  }
  world.ledger.round(
    'ring',
    phase,
    world.devices.map((d) => d.rank),
  );
  return received;
}

/** One bidirectional round: each device sends toRight[k] to k+1 and toLeft[k] to k−1 at once. */
export function bidirShift(
  world: World,
  phase: Phase,
  toRight: Tensor[],
  toLeft: Tensor[],
): { fromLeft: Tensor[]; fromRight: Tensor[] } {
  const fromLeft: Tensor[] = new Array(world.size);
  const fromRight: Tensor[] = new Array(world.size);
  for (let k = 0; k < world.size; k++) {
    const right = world.neighbour(k, 1);
    const left = world.neighbour(k, -1);
    world.ledger.transfer('ring-bidir', phase, k, right, bytes([toRight[k]!]));
    world.ledger.transfer('ring-bidir', phase, k, left, bytes([toLeft[k]!]));
    fromLeft[right] = world.devices[right]!.hold(tf.clone(toRight[k]!));
    fromRight[left] = world.devices[left]!.hold(tf.clone(toLeft[k]!));
  }
  world.ledger.round(
    'ring-bidir',
    phase,
    world.devices.map((d) => d.rank),
  );
  return { fromLeft, fromRight };
}

/**
 * Ring all-gather of equal blocks (b×D): in round s device k forwards to k+1 the block it received in
 * round s−1 (its own in round 1). Bytes per device: (W−1)·E sent and received, W−1 rounds.
 * Returns each device's N×D concatenation in owner order (held by that device).
 */
export function allGather(world: World, phase: Phase, blocks: Tensor2D[]): Tensor2D[] {
  const W = world.size;
  const got: Tensor2D[][] = blocks.map((b, k) => {
    const row = new Array<Tensor2D>(W);
    row[k] = b;
    return row;
  });
  for (let s = 1; s < W; s++) {
    // device k sends the block of owner k−s+1 (mod W)
    const payload = blocks.map((_, k) => [got[k]![world.neighbour(k, 1 - s)]!]);
    for (let k = 0; k < W; k++) {
      const to = world.neighbour(k, 1);
      const owner = world.neighbour(k, 1 - s);
      world.ledger.transfer('all-gather', phase, k, to, bytes(payload[k]!));
      got[to]![owner] = world.devices[to]!.hold(tf.clone(payload[k]![0]!)) as Tensor2D;
    }
    world.ledger.round(
      'all-gather',
      phase,
      world.devices.map((d) => d.rank),
    );
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
export function reduceScatter(world: World, phase: Phase, partials: Tensor2D[], b: number): Tensor2D[] {
  const W = world.size;
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
    world.ledger.round(
      'reduce-scatter',
      phase,
      world.devices.map((d) => d.rank),
    );
  }
  return acc as Tensor2D[];
}

/** All-gather of every device's x and of its y (forward): [x_all, y_all] per device. */
export function gatherFeatures(
  world: World,
  shards: readonly { x: Tensor2D; y: Tensor2D }[],
): [Tensor2D[], Tensor2D[]] {
  return [
    allGather(
      world,
      'fwd',
      shards.map((s) => s.x),
    ),
    allGather(
      world,
      'fwd',
      shards.map((s) => s.y),
    ),
  ];
}
