import type { Command } from 'commander';
export function registerBench(_program: Command): void {}
