/**
 * TensorFlow.js target — the training loss (docs/semantics.md §Training-only terms):
 * next-token cross-entropy averaged over the target positions, plus each MoE block's
 * auxiliary load-balancing loss and router z-loss (already scaled by their coefficients in
 * moe-block.ts), summed over MoE layers. Targets < 0 are ignored (padding).
 */
import * as tf from '@tensorflow/tfjs';

/** Mean next-token cross-entropy of logits [B, S, V] against int32 targets [B, S]. */
export function crossEntropy(logits: tf.Tensor, targets: tf.Tensor): tf.Tensor {
  const v = logits.shape[logits.rank - 1]!;
  const flat = tf.reshape(logits, [-1, v]);
  const t = tf.reshape(targets, [-1]);
  // oneHot of a negative id is an all-zero row, so ignored positions add nothing.
  const hot = tf.oneHot(tf.cast(t, 'int32'), v);
  const valid = tf.sum(hot);
  const nll = tf.neg(tf.sum(tf.mul(hot, tf.logSoftmax(flat))));
  return tf.div(nll, tf.maximum(valid, 1));
}

/** Σ of the present terms, or a zero scalar. */
export function sumTerms(terms: tf.Tensor[]): tf.Tensor {
  return terms.length === 0 ? tf.scalar(0) : terms.length === 1 ? terms[0]! : tf.addN(terms);
}
