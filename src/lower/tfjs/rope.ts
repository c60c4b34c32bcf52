/**
 * TensorFlow.js target — rotary position embeddings (docs/semantics.md §Attention), the
 * rotate-half (GPT-NeoX / HF Llama) convention on the first `dim` dims of each head:
 * `inv_freq[i] = theta^(−2i/dim)`, angle `= pos · inv_freq[i]`,
 * `out = [x1·cos − x2·sin, x2·cos + x1·sin, rest]`. Positions restart at 0 in each sequence;
 * `scaling linear` divides them by `factor` (yarn is not applied: its parameters are not in the
 * IR, and the lowering warns with MOE6003).
 */
import * as tf from '@tensorflow/tfjs';

/** cos/sin tables [seq, 1, dim/2], broadcast over batch and heads of a [batch, seq, heads, d] tensor. */
export function ropeTables(
  seq: number,
  dim: number,
  rope: { theta: number; scaling: string; factor: number },
): { cos: tf.Tensor; sin: tf.Tensor } {
  const theta = rope.theta;
  const factor = rope.scaling === 'linear' ? rope.factor : 1;
  const half = dim / 2;
  const cos = new Float32Array(seq * half);
  const sin = new Float32Array(seq * half);
  for (let p = 0; p < seq; p++) {
    for (let i = 0; i < half; i++) {
      // Angles in float64, then rounded once, as the reference does.
      const angle = (p / factor) * Math.pow(theta, (-2 * i) / dim);
      cos[p * half + i] = Math.cos(angle);
      sin[p * half + i] = Math.sin(angle);
    }
  }
  return { cos: tf.tensor3d(cos, [seq, 1, half]), sin: tf.tensor3d(sin, [seq, 1, half]) };
}

/** Rotate the first `dim` dims of the last axis of `x` [batch, seq, heads, headDim]. */
export function applyRope(x: tf.Tensor, dim: number, tables: { cos: tf.Tensor; sin: tf.Tensor }): tf.Tensor {
  const d = x.shape[3]!;
  const half = dim / 2;
  const sizes = dim < d ? [half, half, d - dim] : [half, half];
  const parts = tf.split(x, sizes, 3);
  const x1 = parts[0]!;
  const x2 = parts[1]!;
  const out = [
    tf.sub(tf.mul(x1, tables.cos), tf.mul(x2, tables.sin)),
    tf.add(tf.mul(x2, tables.cos), tf.mul(x1, tables.sin)),
  ];
  if (parts[2]) out.push(parts[2]);
  return tf.concat(out, 3);
}
