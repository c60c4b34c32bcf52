/**
 * TensorFlow.js target — the 2-D matmul every linear layer uses.
 *
 * tfjs's own matMul gradient calls matMul with transposeA/transposeB, which the wasm backend
 * runs at 1–1.5 GFLOP/s against ~20 GFLOP/s for a plain 2-D matMul (TFJS-NOTES). This
 * version transposes explicitly in backward so all three products are plain 2-D matMuls:
 *   y = x·W,  dx = dy·Wᵀ,  dW = xᵀ·dy.
 */
import * as tf from '@tensorflow/tfjs';
import { adapterOf } from './adapter-scope.js';
import { customOp } from './custom-grad.js';

const matMulFast = customOp<[tf.Tensor, tf.Tensor]>((x, w, save) => {
  save([x, w]);
  return {
    value: tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xs, ws] = saved as [tf.Tensor2D, tf.Tensor2D];
      return [tf.matMul(dy as tf.Tensor2D, tf.transpose(ws)), tf.matMul(tf.transpose(xs), dy as tf.Tensor2D)];
    },
  };
});

/** `x · W` for 2-D `x` [n, in] and `W` [in, out], with a wasm-friendly backward. */
export function matMul2d(x: tf.Tensor, w: tf.Tensor): tf.Tensor2D {
  return matMulFast(x, w) as tf.Tensor2D;
}

/**
 * `x · W` for a frozen W (a non-trainable variable: LoRA's base weights): backward computes dx
 * only. tf.customGrad evaluates every input's gradient eagerly, so through matMul2d a frozen
 * weight would still cost its dW = xᵀ·dy, as much as the forward product, only to be dropped.
 */
function matMulFrozen(x: tf.Tensor, w: tf.Variable): tf.Tensor2D {
  const op = customOp<[tf.Tensor]>((xs) => ({
    value: tf.matMul(xs as tf.Tensor2D, w as tf.Tensor2D),
    gradFunc: (dy: tf.Tensor) => [tf.matMul(dy as tf.Tensor2D, tf.transpose(w as tf.Tensor2D))],
  }));
  return op(x) as tf.Tensor2D;
}

const isFrozen = (w: tf.Tensor): w is tf.Variable => w instanceof tf.Variable && !w.trainable;

/**
 * A linear layer on the last axis of `x` (any rank): `x · W (+ b)`, weights [in, out]; plus
 * the LoRA term when W carries an adapter in the current scope (adapter-scope.ts).
 */
export function linear(x: tf.Tensor, w: tf.Tensor, b?: tf.Tensor): tf.Tensor {
  const inDim = x.shape[x.shape.length - 1]!;
  const flat = x.rank === 2 ? x : tf.reshape(x, [-1, inDim]);
  let y: tf.Tensor = isFrozen(w) ? matMulFrozen(flat, w) : matMul2d(flat, w);
  if (b) y = tf.add(y, b);
  const adapter = adapterOf(w);
  if (adapter) y = tf.add(y, adapter.delta(flat));
  return x.rank === 2 ? y : tf.reshape(y, [...x.shape.slice(0, -1), w.shape[1]!]);
}

/** Swap the last two axes. */
function transposeLast(x: tf.Tensor): tf.Tensor {
  const perm = x.shape.map((_, i) => i);
  perm[perm.length - 1] = perm.length - 2;
  perm[perm.length - 2] = perm.length - 1;
  return tf.transpose(x, perm);
}

const batchMatMulFast = customOp<[tf.Tensor, tf.Tensor]>((a, b, save) => {
  save([a, b]);
  return {
    value: tf.matMul(a, b),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [as, bs] = saved as [tf.Tensor, tf.Tensor];
      return [tf.matMul(dy, transposeLast(bs)), tf.matMul(transposeLast(as), dy)];
    },
  };
});

/** Batched `a · b` over equal leading axes (attention scores and values), explicit transposes in backward. */
export function batchMatMul(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return batchMatMulFast(a, b);
}
