// Bundles lossbench into dist/lossbench.cjs: one file that runs with only Node and the `webgpu`
// package (Dawn) beside it, for a bare GPU machine (see README "Running on a GPU").
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
  define: { 'process.env.LOSSBENCH_BUNDLE': '"1"' },
  logLevel: 'warning',
});
console.log('dist/lossbench.cjs built');
