// The WGSL of the fused kernels, run on the CPU by wgsl_reflect's interpreter (every invocation of a
// workgroup in lockstep, barriers honoured, data races reported), through the same launch schedule as the
// WebGPU wrapper; compared with the TypeScript model and the float64 reference. What this cannot show:
// tfjs's own prelude and pipeline creation (stubbed below with the declarations it makes), Tint's
// validation (uniformity included), and the GPU's exp/log/fma: those need a GPU.
//
// wgsl_reflect is not a dependency of the project yet: without it these tests skip.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runFusedStep, type KernelSpec, type Launch } from '../src/engine/kernels/specs.js';
import {
  clipRowSweepSpec,
  gradSweepSpec,
  siglipLossSweepSpec,
  clipColumnCombineSpec,
  sumReduceSpec,
} from '../src/engine/kernels/specs.js';
import { FUSED_MODELS } from '../src/losses/fused-model.js';
import { REFERENCES } from '../src/losses/reference.js';
import { errorsAgainst, maxError, relativeError, TOLERANCE } from '../src/losses/accuracy.js';
import { randomInputs, toReference } from '../src/losses/inputs.js';
import { LOSSES, type LossName } from '../src/losses/types.js';
import { chooseTiling, WEBGPU_DEFAULT_LIMITS, type Tiling } from '../src/engine/kernels/tiling.js';

type Wgsl = {
  detectRaces: (
    code: string,
    kernel: string,
    dispatch: number[],
    groups: Record<string, Record<string, unknown>>,
  ) => { races: { message: string }[]; errors: string[] };
  WgslParser: new () => { parse: (code: string) => unknown[] };
};
const modName = 'wgsl_reflect/wgsl_reflect.module.js'; // a variable: tsc must not need its types
const wgsl = (await import(modName).catch(() => null)) as Wgsl | null;
const skip = wgsl ? false : 'wgsl_reflect is not installed (npm install --no-save wgsl_reflect)';

/** What tfjs-backend-webgpu declares before our code (webgpu_program.ts makeShader), reduced to what we use. */
function module(spec: KernelSpec): string {
  const decl = [
    `struct Uniforms { ${spec.uniforms.map((u) => u.decl).join(', ')}, };`,
    '@group(0) @binding(0) var<storage, read_write> result : array<f32>;',
    ...spec.inputs.map((name, i) => `@group(0) @binding(${i + 1}) var<storage, read> ${name} : array<f32>;`),
    `@group(0) @binding(${spec.inputs.length + 1}) var<uniform> uniforms : Uniforms;`,
    'var<private> localIndex : u32;',
    'var<private> workgroupId : vec3<u32>;',
    'var<private> numWorkgroups : vec3<u32>;',
  ].join('\n');
  // tfjs's _start copies the builtins into those privates and calls main(); the interpreter shares
  // var<private> between invocations, so this entry hands them to kernel() directly instead
  const entry = `
@compute @workgroup_size(${spec.threads}, 1, 1)
fn _start(@builtin(local_invocation_index) li : u32, @builtin(workgroup_id) wid : vec3<u32>) {
  kernel(i32(li), i32(wid.x));
}`;
  return `${decl}\n${spec.source}\n${entry}`;
}

function uniformBuffer(spec: KernelSpec): ArrayBuffer {
  const buf = new ArrayBuffer(16 * Math.ceil((4 * spec.uniforms.length) / 16));
  spec.uniforms.forEach((u, i) =>
    (u.type === 'int32' ? new Int32Array(buf, 4 * i, 1) : new Float32Array(buf, 4 * i, 1)).set([u.value]),
  );
  return buf;
}

const launches: string[] = [];
/** One launch on the interpreter; fails the test on any race or interpreter error. */
const launchOnInterpreter: Launch<Float32Array> = (spec, inputs) => {
  const out = new Float32Array(spec.outputFloats);
  const group: Record<string, unknown> = { 0: out, [spec.inputs.length + 1]: uniformBuffer(spec) };
  inputs.forEach((b, i) => (group[i + 1] = b));
  const r = wgsl!.detectRaces(module(spec), '_start', [spec.workgroups, 1, 1], { 0: group });
  assert.deepEqual(r.errors, [], `${spec.key}: interpreter errors`);
  assert.deepEqual(r.races.map((x) => x.message).slice(0, 3), [], `${spec.key}: data races`);
  launches.push(spec.key);
  return out;
};

/** Small tilings: ragged N, D in several chunks and slices, non-square micro tiles. */
const TILINGS: Record<string, Tiling> = {
  '4×4 (1×1), D chunks and slices of 4': { block: 4, tile: 4, microRows: 1, microCols: 1, dChunk: 4, dSlice: 4 },
  '4×6 (2×1)': { block: 4, tile: 6, microRows: 2, microCols: 1, dChunk: 8, dSlice: 8 },
};

function interpreterStep(loss: LossName, n: number, d: number, seed: number, tPrime: number | undefined, t: Tiling) {
  const h = randomInputs(loss, n, d, seed, tPrime);
  const io = { x: h.x, y: h.y, tPrime: Float32Array.of(h.tPrime), bias: Float32Array.of(h.bias) };
  const o = runFusedStep(launchOnInterpreter, loss, io, n, d, t);
  return {
    h,
    got: {
      loss: o.loss[0]!,
      dx: o.dxPack.subarray(0, n * d),
      dy: o.dyPack.subarray(0, n * d),
      dtPrime: o.dtPrime[0]!,
      dBias: o.dBias?.[0],
    },
  };
}

describe('fused WGSL on a CPU interpreter', { skip }, () => {
  for (const loss of LOSSES)
    for (const [name, t] of Object.entries(TILINGS))
      it(`${loss}, tiling ${name}: agrees with the model and the float64 reference, no data races`, () => {
        for (const [n, d, tPrime] of [
          [5, 6, undefined],
          [7, 5, Math.log(100)],
          [1, 3, undefined],
        ] as const) {
          const seed = 40 + n;
          const { h, got } = interpreterStep(loss, n, d, seed, tPrime, t);
          const model = FUSED_MODELS[loss](h, t);
          const ctx = `${loss} ${name} N=${n} D=${d} t'=${tPrime ?? 'init'}`;
          // the interpreter may keep intermediates in float64: agreement to float32 rounding, not bits
          for (const k of ['dx', 'dy'] as const)
            assert.ok(
              relativeError(got[k], model[k]) <= 1e-5,
              `${ctx}: ${k} vs the model ${relativeError(got[k], model[k])}`,
            );
          for (const k of ['loss', 'dtPrime', 'dBias'] as const)
            if (model[k] !== undefined)
              assert.ok(
                relativeError([got[k]!], [model[k]!]) <= 1e-5,
                `${ctx}: ${k} ${got[k]} vs the model ${model[k]}`,
              );
          const ref = REFERENCES[loss](toReference(h));
          const e = errorsAgainst(ref, got);
          assert.ok(maxError(e) <= TOLERANCE, `${ctx}: against the reference ${JSON.stringify(e)}`);
        }
      });

  it('every kernel of both schedules ran', () => {
    for (const k of [
      'clipRowSweep',
      'clipColumnCombine',
      'clipGradSweep_dx',
      'clipGradSweep_dy',
      'siglipLossSweep',
      'siglipGradSweep_dx',
      'siglipGradSweep_dy',
      'sumReduce',
    ])
      assert.ok(
        launches.some((l) => l.startsWith(k)),
        `${k} never launched`,
      );
  });

  it('the sources of the tilings real adapters get (64×64, 32×32) parse', () => {
    for (const limits of [WEBGPU_DEFAULT_LIMITS, { ...WEBGPU_DEFAULT_LIMITS, maxComputeWorkgroupStorageSize: 32768 }]) {
      const t = chooseTiling(limits, 512);
      const specs = [
        clipRowSweepSpec(4096, 512, t),
        clipColumnCombineSpec(4096, 512, t),
        siglipLossSweepSpec(4096, 512, t),
        sumReduceSpec(0, 10, 1),
        ...(['clip', 'siglip'] as const).flatMap((l) =>
          (['dx', 'dy'] as const).map((r) => gradSweepSpec(l, r, 4096, 512, t)),
        ),
      ];
      for (const s of specs) assert.ok(new wgsl!.WgslParser().parse(module(s)).length > 0, s.key);
    }
  });
});
