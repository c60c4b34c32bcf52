/**
 * TensorFlow.js target — normalisation (docs/semantics.md §Decoder): RMSNorm
 * `x / sqrt(mean(x²) + eps) ⊙ w` and LayerNorm `(x − mean) / sqrt(var + eps) ⊙ w (+ b)`
 * (population variance; DBRX's has no bias), both over the last axis.
 */
import * as tf from '@tensorflow/tfjs';

export function rmsNorm(x: tf.Tensor, w: tf.Tensor, eps: number): tf.Tensor {
  const ms = tf.mean(tf.square(x), -1, true);
  return tf.mul(tf.mul(x, tf.rsqrt(tf.add(ms, eps))), w);
}

export function layerNorm(x: tf.Tensor, w: tf.Tensor, b: tf.Tensor | undefined, eps: number): tf.Tensor {
  const mean = tf.mean(x, -1, true);
  const centered = tf.sub(x, mean);
  const variance = tf.mean(tf.square(centered), -1, true);
  const y = tf.mul(tf.mul(centered, tf.rsqrt(tf.add(variance, eps))), w);
  return b ? tf.add(y, b) : y;
}

/** The model's norm named `prefix` (`layers.0.input_norm`, `norm`, …); a layernorm's bias is read if the model has one. */
export function modelNorm(
  type: 'rmsnorm' | 'layernorm',
  eps: number,
  x: tf.Tensor,
  get: (name: string) => tf.Tensor,
  prefix: string,
  opt: (name: string) => tf.Tensor | undefined,
): tf.Tensor {
  return type === 'rmsnorm'
    ? rmsNorm(x, get(`${prefix}.weight`), eps)
    : layerNorm(x, get(`${prefix}.weight`), opt(`${prefix}.bias`), eps);
}
