// `lossbench backends`: which backends work here, in the order --backend auto tries them; with
// --engine torch, what the torch engine found (torch, CUDA, NCCL, GPUs) or why it cannot run.
import type { Command } from 'commander';
import { ENGINES } from '../engine/engines.js';
import { chooseEngine } from './engine-options.js';

export function registerBackends(program: Command): void {
  program
    .command('backends')
    .description(
      'list the tfjs backends that work on this machine, in the order --backend auto tries them (--engine torch: the torch engine)',
    )
    .option('--engine <name>', `${ENGINES.join(' | ')}`, 'tfjs')
    .option('--python <path>', 'torch: the Python to ask (default: env LOSSBENCH_PYTHON, else .venv, else python3)')
    .option('--json', 'print JSON')
    .action(async (opts: { engine: string; python?: string; json?: boolean }) => {
      const choice = chooseEngine(opts);
      if (choice.engine === 'auto') return;
      if (choice.engine === 'torch') return void (await torchBackends(choice.python, opts.json));
      const { listBackends } = await import('../engine/backend.js');
      const list = await listBackends();
      if (opts.json) return void console.log(JSON.stringify(list, null, 2));
      for (const b of list) console.log(`${b.ok ? 'ok  ' : 'no  '} ${b.name.padEnd(10)} ${b.detail}`);
      const first = list.find((b) => b.ok);
      console.log(`--backend auto takes: ${first ? first.name : 'none'}`);
    });
}

/** Prints the engine's `info` (or why it cannot run); never fails: the answer is the output. */
async function torchBackends(python: string | undefined, json?: boolean): Promise<void> {
  const { describeDevice, pythonOf, torchImpls, torchInfo, torchPackagePath, whichPython } =
    await import('../engine/torch.js');
  const given = pythonOf(python);
  try {
    const info = await torchInfo(given);
    const impls = await torchImpls(given);
    if (json)
      return void console.log(
        JSON.stringify({ ok: true, python: given, package_path: torchPackagePath(), info, impls }, null, 2),
      );
    console.log(
      `ok   torch ${info.torch_version} in ${info.python_executable} (Python ${info.python_version}); lossbench_torch from ${torchPackagePath()}`,
    );
    console.log(`ok   cpu        gloo ${info.gloo_available ? 'available' : 'missing'}`);
    if (info.cuda_available) console.log(`ok   ${describeDevice(info, 'cuda')}`);
    else
      console.log(
        `no   cuda       ${info.cuda_version ? `built for CUDA ${info.cuda_version}, but no GPU is visible` : 'a CPU-only build of torch'}`,
      );
    if (info.nvidia_smi_topo) console.log(`\nGPU topology (nvidia-smi topo -m):\n${info.nvidia_smi_topo.trimEnd()}`);
    console.log(`--device default: ${info.cuda_available ? 'cuda' : 'cpu'}`);
    console.log(`\nImplementations (--impl), each probed by one small step per loss on ${impls.device}:`);
    for (const m of impls.impls) {
      const version = m.version ?? 'not installed';
      console.log(`${m.name.padEnd(14)} ${version.padEnd(32)} ${m.strategies}`);
      for (const p of m.probes) console.log(`  ${p.runs ? 'runs' : 'no  '} ${p.loss.padEnd(7)} ${p.reason}`);
    }
    console.log('and py:<module>:<factory>, a loss of your own (docs/implementations.md)');
  } catch (err) {
    const why = (err as Error).message;
    if (json)
      return void console.log(
        JSON.stringify(
          { ok: false, python: given, resolved: whichPython(given), package_path: torchPackagePath(), reason: why },
          null,
          2,
        ),
      );
    console.log(`no   torch      ${why}`);
  }
}
