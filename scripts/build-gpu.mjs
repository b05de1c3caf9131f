// Bundles lossbench into dist/lossbench.cjs: one file that runs with only Node and the `webgpu`
// package (Dawn) beside it, for a bare GPU machine (see README "Running on a GPU").
import { copyFileSync, readdirSync } from 'node:fs';
import { build } from 'esbuild';

await build({
  entryPoints: ['src/cli.ts'],
  outfile: 'dist/lossbench.cjs',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // Native or optional packages stay outside: webgpu travels in .gpu/, tfjs-node is loaded if installed,
  // the chart renderer is only needed by `report` (run it where node_modules is).
  external: ['webgpu', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', '@napi-rs/canvas', 'tsx', 'tsx/*'],
  // import.meta.url is undefined in the bundle: the runner then forks the bundle itself.
  define: { 'import.meta.url': 'undefined' },
  logLevel: 'warning',
});
// The wasm backend looks for its .wasm files beside the running script.
const wasmDir = 'node_modules/@tensorflow/tfjs-backend-wasm/dist';
for (const f of readdirSync(wasmDir).filter((f) => f.endsWith('.wasm'))) copyFileSync(`${wasmDir}/${f}`, `dist/${f}`);
console.log('dist/lossbench.cjs built (with the wasm backend binaries)');
