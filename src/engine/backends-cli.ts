import type { Command } from 'commander';
export function registerBackends(_program: Command): void {}
