// The fp32 FMA peak of known GPUs, from NVIDIA's datasheets (an FMA counted as 2 FLOP, at boost clock):
// a second ceiling beside the measured matMul rate, so that a report can say how far both the backend's
// own matMul and each loss are from the silicon. Datasheet figures, never measured here; a GPU not in
// the table has no peak (null), never a guess.
export interface Fp32Peak {
  /** The table's name for the part. */
  gpu: string;
  /** fp32 FLOP/s (non-tensor, FMA = 2 FLOP). */
  flops_per_s: number;
  source: 'datasheet';
}

const T = 1e12;

/**
 * First match wins, so variants come before their family (H100 NVL and PCIe before the SXM part, whose
 * nvidia-smi name is "NVIDIA H100 80GB HBM3"). Patterns are anchored on word ends so that A10 matches
 * neither A100 nor A10G (a different part, not in the table).
 */
const TABLE: readonly { pattern: RegExp; gpu: string; tflops: number }[] = [
  { pattern: /\bH200 NVL\b/i, gpu: 'H200 NVL', tflops: 60 },
  { pattern: /\bGH200\b/i, gpu: 'GH200', tflops: 67 },
  { pattern: /\bH200\b/i, gpu: 'H200 SXM', tflops: 67 },
  { pattern: /\bH100 NVL\b/i, gpu: 'H100 NVL', tflops: 60 },
  { pattern: /\bH100\b.*\bPCIe\b/i, gpu: 'H100 PCIe', tflops: 51 },
  { pattern: /\bH100\b.*\b(SXM|HBM3)/i, gpu: 'H100 SXM', tflops: 67 },
  { pattern: /\bA100\b/i, gpu: 'A100', tflops: 19.5 },
  { pattern: /\bL40S\b/i, gpu: 'L40S', tflops: 91.6 },
  { pattern: /\bL40\b/i, gpu: 'L40', tflops: 90.5 },
  { pattern: /\bL4\b/i, gpu: 'L4', tflops: 30.3 },
  { pattern: /\bRTX 4090\b/i, gpu: 'GeForce RTX 4090', tflops: 82.6 },
  { pattern: /\bA10\b/i, gpu: 'A10', tflops: 31.2 },
  { pattern: /\bT4\b/i, gpu: 'T4', tflops: 8.1 },
  { pattern: /\bV100\b.*\bSXM2\b/i, gpu: 'V100 SXM2', tflops: 15.7 },
  { pattern: /\bV100\b.*\bPCIE\b/i, gpu: 'V100 PCIe', tflops: 14 },
];

/** The datasheet fp32 peak of the GPU named `deviceName` (nvidia-smi's or the adapter's name), or null. */
export function fp32Peak(deviceName: string): Fp32Peak | null {
  const row = TABLE.find((r) => r.pattern.test(deviceName));
  return row ? { gpu: row.gpu, flops_per_s: row.tflops * T, source: 'datasheet' } : null;
}

/** The parts the table knows, for documentation and tests. */
export const KNOWN_GPUS: readonly string[] = TABLE.map((r) => r.gpu);

/**
 * The peak that bounds a backend's run: the GPU's when the backend computes on one (webgpu, or
 * tensorflow on CUDA, whose device name says only "TensorFlow CUDA device": then nvidia-smi's first GPU
 * names it); none for the CPU backends, whose matMul never touched a GPU.
 */
export function peakForBackend(
  backend: string,
  deviceName: string,
  nvidiaSmiNames: readonly string[],
): Fp32Peak | null {
  if (!computesOnGpu(backend, deviceName)) return null;
  return fp32Peak(deviceName) ?? (backend === 'tensorflow' && nvidiaSmiNames[0] ? fp32Peak(nvidiaSmiNames[0]) : null);
}

export function computesOnGpu(backend: string, deviceName: string): boolean {
  return backend === 'webgpu' || (backend === 'tensorflow' && /CUDA/i.test(deviceName));
}
