/**
 * Test and benchmark helper: mean next-byte cross-entropy (nats) of a compiled byte-level ONNX
 * model on held-out text, over non-overlapping windows of `seqLen + 1` bytes (the model predicts
 * bytes 1…seqLen of each window from the ones before; a KV-cache model gets an empty past).
 * Plain log-softmax in float64, so the number depends only on the model's logits.
 */
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { cacheLayout, fullSequenceFeeds } from '../../src/run/cache-layout.js';

export interface HeldoutLoss {
  /** Mean loss per predicted byte, nats. */
  loss: number;
  tokens: number;
  /** Median wall time of one forward over a window, milliseconds. */
  msPerForward: number;
}

export async function heldoutLoss(model: string, textFile: string, seqLen: number, maxWindows = 16): Promise<HeldoutLoss> {
  const bytes = readFileSync(textFile);
  const session = await ort.InferenceSession.create(model, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  try {
    const layout = cacheLayout(session);
    if (typeof layout === 'string') throw new Error(`${model}: ${layout}`);
    let total = 0;
    let tokens = 0;
    const times: number[] = [];
    for (let w = 0; w < maxWindows && (w + 1) * (seqLen + 1) <= bytes.length; w++) {
      const win = bytes.subarray(w * (seqLen + 1), (w + 1) * (seqLen + 1));
      const feeds = fullSequenceFeeds(layout, [Array.from(win.subarray(0, seqLen))]);
      const t0 = performance.now();
      const out = await session.run(feeds);
      times.push(performance.now() - t0);
      const logits = out.logits!.data as Float32Array;
      const vocab = logits.length / seqLen;
      for (let t = 0; t < seqLen; t++) {
        const row = logits.subarray(t * vocab, (t + 1) * vocab);
        let max = -Infinity;
        for (const v of row) if (v > max) max = v;
        let sum = 0;
        for (const v of row) sum += Math.exp(v - max);
        total += max + Math.log(sum) - row[win[t + 1]!]!;
        tokens++;
      }
    }
    times.sort((a, b) => a - b);
    return { loss: total / tokens, tokens, msPerForward: times[Math.floor(times.length / 2)] ?? 0 };
  } finally {
    await session.release();
  }
}
