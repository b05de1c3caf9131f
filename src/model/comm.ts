// Modelled (not measured) communication time: rounds·α + bytes/β on a named link.
import { UsageError } from '../util/errors.js';

export interface Link {
  name: string;
  /** β: bandwidth each way per device, bytes per second. */
  bytesPerSecond: number;
  /** α: latency per round, seconds. */
  latencyS: number;
}

const GB = 1e9;
export const LINKS: Record<string, Link> = {
  nvlink4: { name: 'nvlink4', bytesPerSecond: 450 * GB, latencyS: 2e-6 },
  pcie5: { name: 'pcie5', bytesPerSecond: 64 * GB, latencyS: 5e-6 },
  'ib-ndr': { name: 'ib-ndr', bytesPerSecond: 50 * GB, latencyS: 5e-6 },
  '100gbe': { name: '100gbe', bytesPerSecond: 12.5 * GB, latencyS: 10e-6 },
};

const presetNames = () => Object.keys(LINKS).join(', ');

/**
 * A preset by name, or a custom link: `gbps` (GB/s, positive) and/or `latencyUs` (µs, non-negative); the
 * one not given is the preset's. Every error is one line naming the flag.
 */
export function resolveLink(name: string, custom?: { gbps?: number; latencyUs?: number }): Link {
  const gbps = custom?.gbps;
  const latencyUs = custom?.latencyUs;
  if (gbps !== undefined && !(Number.isFinite(gbps) && gbps > 0))
    throw new UsageError(`link-gbps: expected a positive number of GB/s, got ${gbps}`);
  if (latencyUs !== undefined && !(Number.isFinite(latencyUs) && latencyUs >= 0))
    throw new UsageError(`link-latency-us: expected a non-negative number of µs, got ${latencyUs}`);
  const base = LINKS[name];
  if (gbps === undefined && latencyUs === undefined) {
    if (!base) throw new UsageError(`link: expected one of ${presetNames()}, got ${JSON.stringify(name)}`);
    return base;
  }
  if (gbps === undefined && !base)
    throw new UsageError(
      `link: expected one of ${presetNames()} (whose bandwidth link-latency-us keeps), got ${JSON.stringify(name)}; or give link-gbps`,
    );
  const bw = gbps ?? base!.bytesPerSecond / GB;
  const us = latencyUs ?? (base ? base.latencyS * 1e6 : 0);
  return { name: `custom(${bw} GB/s, ${us} µs)`, bytesPerSecond: bw * GB, latencyS: us * 1e-6 };
}

/** rounds·α + bytes/β, milliseconds (modelled). */
export function commTimeMs(bytes: number, rounds: number, link: Link): number {
  return (rounds * link.latencyS + bytes / link.bytesPerSecond) * 1e3;
}
