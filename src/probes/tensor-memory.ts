// Peak tensor bytes of one step from the tfjs engine's own accounting. tf.profile's peakBytes counts
// what was already live, so the bytes live before the step are subtracted.
import { tf } from '../engine/tf.js';

export interface TensorPeak {
  /** Peak bytes held by tensors during fn, beyond what was live before it. */
  peakTensorBytes: number;
  /** Tensors alive after fn (and after disposing its result) minus before: 0 means no leak. */
  leakedTensors: number;
}

/** Runs fn once under tf.profile; fn's result is disposed before the leak count is taken. */
export async function measureTensorPeak(fn: () => tf.TensorContainer): Promise<TensorPeak> {
  const before = tf.memory();
  let result: tf.TensorContainer;
  const info = await tf.profile(() => {
    result = fn();
    return result;
  });
  tf.dispose(result!);
  return {
    peakTensorBytes: info.peakBytes - before.numBytes,
    leakedTensors: tf.memory().numTensors - before.numTensors,
  };
}
