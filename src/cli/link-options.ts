// The link flags of the modelled communication time, shared by `bench` and `plan`.
import type { Command } from 'commander';
import { LINKS } from '../model/comm.js';

export function addLinkOptions(cmd: Command): Command {
  return cmd
    .option('--link <preset>', `link of the modelled communication time: ${Object.keys(LINKS).join(' | ')}`, 'nvlink4')
    .option('--link-gbps <GB/s>', "custom link bandwidth per direction, GB/s (replaces the preset's)")
    .option('--link-latency-us <µs>', "custom link latency per round, µs (replaces the preset's)");
}
