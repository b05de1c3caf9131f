// The inputs file shared by the engines (a job's inputsPath, `lossbench_torch step --inputs`): raw
// little-endian float32, x (N·D, row-major), then y (N·D), then t', then β — 4·(2·N·D + 2) bytes, no header.
// The same file gives both engines bit-identical inputs, so their losses and gradients can be compared.
import { readFileSync, writeFileSync } from 'node:fs';
import type { HostInputs } from './inputs.js';

export const inputsFileBytes = (n: number, d: number) => 4 * (2 * n * d + 2);

export function encodeInputs(h: HostInputs): Buffer {
  const buf = Buffer.alloc(inputsFileBytes(h.n, h.d));
  const nd = h.n * h.d;
  for (let i = 0; i < nd; i++) buf.writeFloatLE(h.x[i]!, 4 * i);
  for (let i = 0; i < nd; i++) buf.writeFloatLE(h.y[i]!, 4 * (nd + i));
  buf.writeFloatLE(h.tPrime, 8 * nd);
  buf.writeFloatLE(h.bias, 8 * nd + 4);
  return buf;
}

export function writeInputsFile(path: string, h: HostInputs): void {
  writeFileSync(path, encodeInputs(h));
}

/** Reads a file written for N × D; a size that does not match is an Error naming both. */
export function readInputsFile(path: string, n: number, d: number): HostInputs {
  const buf = readFileSync(path);
  const expected = inputsFileBytes(n, d);
  if (buf.length !== expected)
    throw new Error(`inputs file ${path}: ${buf.length} bytes, expected ${expected} for N = ${n}, D = ${d}`);
  const nd = n * d;
  const x = new Float32Array(nd);
  const y = new Float32Array(nd);
  for (let i = 0; i < nd; i++) x[i] = buf.readFloatLE(4 * i);
  for (let i = 0; i < nd; i++) y[i] = buf.readFloatLE(4 * (nd + i));
  return { n, d, x, y, tPrime: buf.readFloatLE(8 * nd), bias: buf.readFloatLE(8 * nd + 4) };
}
