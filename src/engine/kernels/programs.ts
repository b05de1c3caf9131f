// The fused kernels as tfjs-backend-webgpu programs: objects that backend.runWebGPUProgram(program,
// inputs, dtype, uniforms) compiles (cached by shaderKey), binds and dispatches on tfjs's own device and
// command encoder, so they interleave with ordinary tfjs ops and show up in tf.profile by class name.
// NOT YET RUN ON A GPU: tfjs's prelude, pipeline compilation and dispatch of these are untested.
import { tf, type Tensor } from '../tf.js';
import type { KernelSpec, Launch } from './specs.js';

/**
 * The fields of tfjs-backend-webgpu's WebGPUProgram (dist/webgpu_program.d.ts, 4.22) that these programs
 * set; declared here rather than deep-imported from the package's dist folder.
 */
export interface TfjsWebGpuProgram {
  outputShape: number[];
  shaderKey: string;
  /** Flat (x only): tfjs then calls our `fn main(index : i32)`. */
  dispatchLayout: { x: number[] };
  /** Workgroups; tfjs folds an x past maxComputeWorkgroupsPerDimension into y and z (flatWorkgroup()). */
  dispatch: [number, number, number];
  variableNames: string[];
  workgroupSize: [number, number, number];
  /** Our uniforms, appended to tfjs's Uniforms struct: "name : type, …". */
  uniforms?: string;
  size?: boolean;
  getUserCode: () => string;
}

/** The part of WebGPUBackend (dist/backend_webgpu.d.ts) the wrapper calls. */
export interface WebGpuBackendLike {
  runWebGPUProgram(
    program: TfjsWebGpuProgram,
    inputs: tf.TensorInfo[],
    outputDtype: 'float32',
    uniforms?: { type: string; data: number[] }[],
  ): tf.TensorInfo;
}

class FusedProgram implements TfjsWebGpuProgram {
  outputShape: number[];
  shaderKey: string;
  dispatchLayout = { x: [0] };
  dispatch: [number, number, number];
  variableNames: string[];
  workgroupSize: [number, number, number];
  uniforms: string;
  size = false;
  private readonly source: string;
  constructor(spec: KernelSpec) {
    this.shaderKey = `lossbench_fused_${spec.key}`;
    this.source = spec.source;
    this.variableNames = spec.inputs;
    this.outputShape = [spec.outputFloats];
    this.dispatch = [spec.workgroups, 1, 1];
    this.workgroupSize = [spec.threads, 1, 1];
    this.uniforms = spec.uniforms.map((u) => `${u.decl}, `).join('');
  }
  getUserCode(): string {
    return this.source;
  }
}

/** A subclass per kernel name: tfjs's profiler names a timed program by its constructor. */
const classes = new Map<string, new (spec: KernelSpec) => FusedProgram>();
function programFor(spec: KernelSpec): FusedProgram {
  let Cls = classes.get(spec.name);
  if (!Cls) {
    Cls = { [spec.name]: class extends FusedProgram {} }[spec.name]!;
    classes.set(spec.name, Cls);
  }
  return new Cls(spec);
}

/** Runs a launch on the active tfjs backend (it must be webgpu); the output is a tensor tracked by tidy. */
export const launchOnTfjs: Launch<Tensor> = (spec, inputs) => {
  const backend = tf.backend() as unknown as Partial<WebGpuBackendLike>;
  if (typeof backend.runWebGPUProgram !== 'function')
    throw new Error(`fused kernels need the webgpu backend, not ${tf.getBackend()}`);
  const uniforms = spec.uniforms.map((u) => ({ type: u.type, data: [u.value] }));
  return tf.engine().makeTensorFromTensorInfo(backend.runWebGPUProgram(programFor(spec), inputs, 'float32', uniforms));
};
