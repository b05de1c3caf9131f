import type { Command } from 'commander';
// Owned by the reports work (issue 5): registers `report` and `compare`.
export function registerReport(_program: Command): void {}
