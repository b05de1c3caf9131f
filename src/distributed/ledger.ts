// The communication ledger: every collective of a simulated step is an explicit copy whose bytes are
// written here, per device, per collective kind, forward and backward separately.

export type Phase = 'fwd' | 'bwd';
export const KINDS = ['all-gather', 'reduce-scatter', 'ring', 'ring-bidir'] as const;
export type CollectiveKind = (typeof KINDS)[number];

export interface PhaseTraffic {
  sent: number;
  received: number;
  rounds: number;
}

/** Bytes and rounds of one device in one step. `rounds` sums the rounds of every kind and phase. */
export interface LedgerTotals {
  bytesSent: number;
  bytesReceived: number;
  rounds: number;
  byKind: Record<string, { fwd: PhaseTraffic; bwd: PhaseTraffic }>;
}

const zero = (): PhaseTraffic => ({ sent: 0, received: 0, rounds: 0 });

export function emptyTotals(): LedgerTotals {
  return { bytesSent: 0, bytesReceived: 0, rounds: 0, byKind: {} };
}

export class Ledger {
  private readonly devices: LedgerTotals[];

  constructor(readonly world: number) {
    this.devices = Array.from({ length: world }, emptyTotals);
  }

  private entry(device: number, kind: CollectiveKind, phase: Phase): PhaseTraffic {
    const totals = this.devices[device]!;
    const k = (totals.byKind[kind] ??= { fwd: zero(), bwd: zero() });
    return k[phase];
  }

  /** One message of `bytes` from one device to another. */
  transfer(kind: CollectiveKind, phase: Phase, from: number, to: number, bytes: number): void {
    this.entry(from, kind, phase).sent += bytes;
    this.entry(to, kind, phase).received += bytes;
    this.devices[from]!.bytesSent += bytes;
    this.devices[to]!.bytesReceived += bytes;
  }

  /** One round (one latency α) of a collective, for every device taking part. */
  round(kind: CollectiveKind, phase: Phase, devices: number[]): void {
    for (const d of devices) {
      this.entry(d, kind, phase).rounds += 1;
      this.devices[d]!.rounds += 1;
    }
  }

  perDevice(): LedgerTotals[] {
    return this.devices.map((t) => structuredClone(t));
  }

  /** The busiest device's totals (the one that sends the most bytes; the first on ties). */
  busiest(): LedgerTotals {
    let best = this.devices[0]!;
    for (const d of this.devices) if (d.bytesSent > best.bytesSent) best = d;
    return structuredClone(best);
  }
}
