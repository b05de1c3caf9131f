// `lossbench backends`: which backends work here, in the order --backend auto tries them.
import type { Command } from 'commander';

export function registerBackends(program: Command): void {
  program
    .command('backends')
    .description('list the tfjs backends that work on this machine, in the order --backend auto tries them')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const { listBackends } = await import('../engine/backend.js');
      const list = await listBackends();
      if (opts.json) return void console.log(JSON.stringify(list, null, 2));
      for (const b of list) console.log(`${b.ok ? 'ok  ' : 'no  '} ${b.name.padEnd(10)} ${b.detail}`);
      const first = list.find((b) => b.ok);
      console.log(`--backend auto takes: ${first ? first.name : 'none'}`);
    });
}
