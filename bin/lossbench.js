#!/usr/bin/env node
// npx lossbench: runs the TypeScript sources through tsx (a dependency), so no build step is needed.
import { register } from 'tsx/esm/api';
register();
process.env.LOSSBENCH_CLI = '1';
await import('../src/cli.ts');
