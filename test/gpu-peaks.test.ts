// The datasheet fp32 FMA peaks: names as nvidia-smi and Dawn spell them, variants before families.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fp32Peak, KNOWN_GPUS, peakForBackend } from '../src/probes/gpu-peaks.js';

const T = 1e12;

/** nvidia-smi's name, the table's row, its datasheet TFLOP/s. */
const CASES: [string, string, number][] = [
  ['NVIDIA H200', 'H200 SXM', 67],
  ['NVIDIA H200 NVL', 'H200 NVL', 60],
  ['NVIDIA GH200 480GB', 'GH200', 67],
  ['NVIDIA H100 80GB HBM3', 'H100 SXM', 67],
  ['NVIDIA H100 PCIe', 'H100 PCIe', 51],
  ['NVIDIA H100 NVL', 'H100 NVL', 60],
  ['NVIDIA A100-SXM4-80GB', 'A100', 19.5],
  ['NVIDIA A100 80GB PCIe', 'A100', 19.5],
  ['NVIDIA L4', 'L4', 30.3],
  ['NVIDIA L40S', 'L40S', 91.6],
  ['NVIDIA L40', 'L40', 90.5],
  ['NVIDIA GeForce RTX 4090', 'GeForce RTX 4090', 82.6],
  ['NVIDIA A10', 'A10', 31.2],
  ['Tesla T4', 'T4', 8.1],
  ['Tesla V100-SXM2-16GB', 'V100 SXM2', 15.7],
  ['Tesla V100-PCIE-32GB', 'V100 PCIe', 14],
];

describe('fp32 FMA peaks (datasheet)', () => {
  it('names as nvidia-smi prints them map to their datasheet figure', () => {
    for (const [name, gpu, tflops] of CASES)
      assert.deepEqual(fp32Peak(name), { gpu, flops_per_s: tflops * T, source: 'datasheet' }, name);
  });

  it('look-alikes and unknown parts get no peak, never a neighbour’s', () => {
    for (const name of [
      'NVIDIA A10G',
      'NVIDIA H100',
      'NVIDIA GeForce RTX 4080',
      'AMD Instinct MI300X',
      'Apple M2',
      'llvmpipe (LLVM 15.0.6, 256 bits)',
      'NVIDIA L4T',
    ])
      assert.equal(fp32Peak(name), null, name);
  });

  it("the H200 sample's device name finds the H200; its measured matMul is about 20% of the peak", () => {
    const c = JSON.parse(
      readFileSync(new URL('../results/samples/nvidia-h200-webgpu/ceiling.json', import.meta.url), 'utf8'),
    ) as { device_name: string; flops_per_s: number };
    const peak = peakForBackend('webgpu', c.device_name, [])!;
    assert.equal(peak.gpu, 'H200 SXM');
    assert.ok(Math.abs(c.flops_per_s / peak.flops_per_s - 0.199) < 0.001);
  });

  it('only GPU backends get a peak; tensorflow on CUDA is named through nvidia-smi', () => {
    assert.equal(peakForBackend('wasm', 'NVIDIA H200', []), null);
    assert.equal(peakForBackend('cpu', 'AMD EPYC (JavaScript)', ['NVIDIA H200']), null);
    assert.equal(peakForBackend('tensorflow', 'TensorFlow on AMD EPYC', ['NVIDIA H200']), null);
    assert.equal(peakForBackend('tensorflow', 'TensorFlow CUDA device', ['NVIDIA L4'])?.gpu, 'L4');
    assert.equal(peakForBackend('webgpu', 'NVIDIA L40S', [])?.gpu, 'L40S');
  });

  it('every table row is reached by a real name (none shadowed by an earlier pattern)', () => {
    assert.deepEqual(new Set(CASES.map((c) => c[1])), new Set(KNOWN_GPUS));
  });
});
