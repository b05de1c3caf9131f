// Modelled (not measured) communication time: rounds·α + bytes/β on a named link.
import { UsageError } from '../errors.js';

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

/** A preset by name, or a custom link from GB/s and µs (both positive). */
export function resolveLink(name: string, custom?: { gbps?: number; latencyUs?: number }): Link {
  if (custom && (custom.gbps !== undefined || custom.latencyUs !== undefined)) {
    const base = LINKS[name];
    const gbps = custom.gbps ?? (base ? base.bytesPerSecond / GB : undefined);
    const us = custom.latencyUs ?? (base ? base.latencyS * 1e6 : 0);
    if (gbps === undefined || !(gbps > 0) || !Number.isFinite(gbps)) throw new UsageError(`link-gbps: expected a positive number, got ${custom.gbps}`);
    if (!(us >= 0) || !Number.isFinite(us)) throw new UsageError(`link-latency-us: expected a non-negative number, got ${custom.latencyUs}`);
    return { name: `custom(${gbps} GB/s, ${us} µs)`, bytesPerSecond: gbps * GB, latencyS: us * 1e-6 };
  }
  const link = LINKS[name];
  if (!link) throw new UsageError(`link: expected one of ${Object.keys(LINKS).join(', ')}, got ${JSON.stringify(name)}`);
  return link;
}

/** rounds·α + bytes/β, milliseconds (modelled). */
export function commTimeMs(bytes: number, rounds: number, link: Link): number {
  return (rounds * link.latencyS + bytes / link.bytesPerSecond) * 1e3;
}
