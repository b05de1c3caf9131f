// W simulated devices in one process. Each device runs in turn on the one real tfjs backend; what it
// holds is tracked explicitly (its own features, what it received, its accumulators), and the peak of
// its local computation is read from the engine's profile while measuring.
import { tf, type Tensor } from '../engine/tf.js';
import { Ledger } from './ledger.js';

const bytesOf = (t: Tensor): number => t.size * (t.dtype === 'float32' || t.dtype === 'int32' ? 4 : 1);

export class SimDevice {
  private readonly held = new Set<Tensor>();
  private heldBytes = 0;
  /** Largest (held bytes + transient bytes of a local computation) seen so far. */
  peakBytes = 0;
  /** Wall time of this device's local computations so far (ms); counted only when the world is timed. */
  computeMs = 0;

  constructor(
    readonly rank: number,
    private readonly measuring: boolean,
    private readonly timed = false,
  ) {}

  /** Takes ownership of tensors: they count towards this device's memory until dropped. */
  hold<T extends Tensor>(t: T): T {
    if (!this.held.has(t)) {
      this.held.add(t);
      this.heldBytes += bytesOf(t);
      this.note(0);
    }
    return t;
  }

  /** Disposes tensors this device held. */
  drop(...ts: (Tensor | undefined)[]): void {
    for (const t of ts) {
      if (!t) continue;
      if (this.held.delete(t)) this.heldBytes -= bytesOf(t);
      t.dispose();
    }
  }

  /** Hands a held tensor to the caller (e.g. the assembled result) without disposing it. */
  release<T extends Tensor>(t: T): T {
    if (this.held.delete(t)) this.heldBytes -= bytesOf(t);
    return t;
  }

  private note(transientBytes: number): void {
    this.peakBytes = Math.max(this.peakBytes, this.heldBytes + transientBytes);
  }

  /**
   * Local computation: fn runs in a tidy; the tensors it returns become held. While measuring (inside
   * tf.profile) the engine snapshots its live bytes after every kernel: the largest snapshot minus
   * the bytes live before is this computation's transient peak, outputs included.
   */
  compute<T extends Tensor[]>(fn: () => [...T]): T {
    const state = tf.engine().state;
    const profiling = this.measuring && state.profiling;
    const before = state.numBytes;
    const k0 = profiling ? state.activeProfile.kernels.length : 0;
    const t0 = this.timed ? performance.now() : 0;
    const out = tf.tidy(fn) as T;
    if (this.timed) this.computeMs += performance.now() - t0;
    if (profiling) {
      let peak = state.numBytes - before;
      const kernels = state.activeProfile.kernels;
      for (let i = k0; i < kernels.length; i++) peak = Math.max(peak, kernels[i]!.totalBytesSnapshot - before);
      this.note(peak);
    }
    for (const t of out) this.hold(t);
    return out;
  }

  /** Drops everything still held (end of step). */
  dropAll(): void {
    for (const t of [...this.held]) this.drop(t);
  }
}

export class World {
  readonly devices: SimDevice[];
  readonly ledger: Ledger;

  /**
   * timed: each device adds up the wall time of its local computations (SimDevice.computeMs). That is its
   * compute time only where kernels run as they are called (cpu, wasm, tensorflow); on an asynchronous
   * backend (webgpu) it would be the time to enqueue them, so the caller times only synchronous ones.
   */
  constructor(
    readonly size: number,
    measuring = false,
    timed = false,
  ) {
    this.devices = Array.from({ length: size }, (_, k) => new SimDevice(k, measuring, timed));
    this.ledger = new Ledger(size);
  }

  /** Ring neighbours: the device `step` places to the right (negative: to the left). */
  neighbour(k: number, step: number): number {
    return (((k + step) % this.size) + this.size) % this.size;
  }

  /** The largest compute time of any one device in this world (ms): the busiest device's share of a step. */
  busiestComputeMs(): number {
    return Math.max(...this.devices.map((d) => d.computeMs));
  }

  busiestPeakBytes(): number {
    return Math.max(...this.devices.map((d) => d.peakBytes));
  }

  dispose(): void {
    for (const d of this.devices) d.dropAll();
  }
}
