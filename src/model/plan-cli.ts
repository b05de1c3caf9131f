import type { Command } from 'commander';
// Owned by the distributed work (issue 4): registers `plan`.
export function registerPlan(_program: Command): void {}
