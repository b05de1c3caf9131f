// The one place tfjs is imported. `@tensorflow/tfjs` (the umbrella) registers the gradients that
// tfjs-core alone lacks; every module takes `tf` from here so a bundle holds a single engine.
import * as tf from '@tensorflow/tfjs';

// Prod mode: no "running TensorFlow.js in Node.js" banner, no debug-mode checks inside timed regions.
tf.enableProdMode();

export { tf };
export type Tensor = tf.Tensor;
export type Tensor1D = tf.Tensor1D;
export type Tensor2D = tf.Tensor2D;
export type Scalar = tf.Scalar;
