/**
 * TensorFlow.js target — token embedding lookup with a backward that runs on every backend.
 * tf.gather's gradient is UnsortedSegmentSum, which the wasm backend has no kernel for (and
 * cpu's loops over every segment); except on the native backend the rows are summed per
 * token id in plain JS (O(tokens · hidden), accumulated in float64).
 */
import * as tf from '@tensorflow/tfjs';
import { customOp } from './custom-grad.js';

function segmentSumRows(dy: tf.Tensor, ids: tf.Tensor, vocab: number): tf.Tensor {
  // Only the native backends' kernel is worth using: wasm has none, and cpu's loops over
  // every segment (O(vocab · tokens)).
  if (tf.getBackend() === 'tensorflow') return tf.unsortedSegmentSum(dy, ids as tf.Tensor1D, vocab);
  const h = dy.shape[1]!;
  const g = dy.dataSync();
  const idx = ids.dataSync();
  const acc = new Float64Array(vocab * h);
  for (let t = 0; t < idx.length; t++) {
    const row = idx[t]! * h;
    const src = t * h;
    for (let i = 0; i < h; i++) acc[row + i] += g[src + i]!;
  }
  return tf.tensor2d(Float32Array.from(acc), [vocab, h]);
}

/** Rows of `table` [V, H] for int32 `ids` of any shape → [...ids.shape, H]. */
export function embed(table: tf.Tensor, ids: tf.Tensor): tf.Tensor {
  const [vocab, h] = table.shape as [number, number];
  const flat = tf.reshape(tf.cast(ids, 'int32'), [-1]);
  const op = customOp<[tf.Tensor]>((w, save) => {
    save([flat]);
    return {
      value: tf.gather(w, flat),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [segmentSumRows(dy, saved[0]!, vocab)],
    };
  });
  return tf.reshape(op(table), [...ids.shape, h]);
}
