/**
 * TensorFlow.js target — rotary position embeddings (docs/semantics.md §RoPE), the
 * rotate-half (GPT-NeoX / HF Llama) convention on the first `dim` dims of each head:
 * angle `= pos · inv_freq[i]`, `out = [x1·cos − x2·sin, x2·cos + x1·sin, rest]`, with cos and
 * sin times YaRN's attention factor. `inv_freq` (linear and YaRN scaling included) comes from
 * src/ir/rope.ts. Positions restart at 0 in each sequence. The tables are constants, so the
 * training gradient flows through the rotation only.
 */
import * as tf from '@tensorflow/tfjs';
import { ropeCosSinFactor, ropeInvFreq } from '../../ir/rope.js';
import type { RopeIR } from '../../ir/types.js';

/** cos/sin tables [seq, 1, dim/2], broadcast over batch and heads of a [batch, seq, heads, d] tensor. */
export function ropeTables(seq: number, rope: RopeIR): { cos: tf.Tensor; sin: tf.Tensor } {
  const half = rope.dim / 2;
  const invFreq = ropeInvFreq(rope);
  const factor = ropeCosSinFactor(rope);
  const cos = new Float32Array(seq * half);
  const sin = new Float32Array(seq * half);
  for (let p = 0; p < seq; p++) {
    for (let i = 0; i < half; i++) {
      // Angles in float64, then rounded once, as the reference does.
      const angle = p * invFreq[i]!;
      cos[p * half + i] = factor * Math.cos(angle);
      sin[p * half + i] = factor * Math.sin(angle);
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
