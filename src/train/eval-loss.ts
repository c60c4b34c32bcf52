/**
 * Training phase — the held-out `eval_loss` of `moec train --eval-split`: the tail of the token
 * stream kept out of training, cut into the windows of src/eval/held-out.ts at the training
 * seq_len (the same windows `moec eval --seq-len <seq_len>` scores), run through the TensorFlow.js
 * forward pass with training off (no jitter or dropout; capacity applies as in training, so
 * where the spec drops tokens this can differ slightly from `moec eval` on the exported model,
 * which routes per token), `rows` windows at a time. Mean cross-entropy per token, in nats.
 */
import * as tf from '@tensorflow/tfjs';
import { evalWindows, LossAccumulator, type EvalSummary } from '../eval/held-out.js';
import type { TfjsModel } from '../lower/tfjs/model.js';
import type { TokenIds } from './corpus.js';

/** Where the held-out tail starts, or undefined when either part would be too short. */
export function splitPoint(tokens: number, fraction: number, seqLen: number): number | undefined {
  const held = Math.floor(tokens * fraction);
  const train = tokens - held;
  return held >= 2 && train > seqLen ? train : undefined;
}

export function heldOutLoss(model: TfjsModel, heldOut: TokenIds, seqLen: number, rows: number): EvalSummary {
  const vocab = model.ir.vocab;
  const acc = new LossAccumulator();
  const windows = evalWindows(heldOut.length, seqLen);
  for (let i = 0; i < windows.length; ) {
    const length = windows[i].length;
    const group = [];
    while (i < windows.length && group.length < rows && windows[i].length === length) group.push(windows[i++]);
    const ids = new Int32Array(group.length * length);
    group.forEach((w, r) => ids.set(heldOut.subarray(w.start, w.start + length), r * length));
    const input = tf.tensor2d(ids, [group.length, length], 'int32');
    const { logits } = model.forward(input, { training: false });
    const data = logits.dataSync() as Float32Array;
    logits.dispose();
    input.dispose();
    group.forEach((w, r) => {
      for (let p = 0; p < length; p++) acc.add(data, (r * length + p) * vocab, vocab, heldOut[w.start + p + 1]);
    });
  }
  return acc.summary();
}
