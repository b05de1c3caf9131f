// What a failure was: out of memory, over a device limit, or something else.
import type { Status } from '../results/row.js';

const OOM =
  /out of memory|\bOOM\b|could not allocate|cannot allocate|allocation failed|Array buffer allocation|WebAssembly\.Memory|Invalid typed array length|Aborted\(\)|heap out of memory|ERR_OUT_OF_MEMORY|RESOURCE_EXHAUSTED/i;
const LIMIT =
  /maxStorageBufferBindingSize|maxBufferSize|exceeds the (max|limit)|binding size|too large for|requested texture size/i;

export function classifyFailure(message: string): Exclude<Status, 'ok' | 'skipped' | 'timeout'> {
  if (LIMIT.test(message)) return 'limit';
  if (OOM.test(message)) return 'oom';
  return 'error';
}
