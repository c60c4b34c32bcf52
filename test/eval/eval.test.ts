/**
 * Evaluation: the windows cover every token but the first exactly once; the loss summary against
 * hand-computed values; and scoring a compiled model in onnxruntime against the loss computed
 * from the float64 reference forward pass (inference routing) on the same windows — relative
 * tolerance 1e-5 on the mean loss.
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { evalWindows, LossAccumulator } from '../../src/eval/held-out.js';
import { scoreTokens } from '../../src/eval/score-onnx.js';
import { emitOnnxModel } from '../../src/lower/onnx/emit-model.js';
import { cacheLayout, type CacheLayout } from '../../src/run/cache-layout.js';
import { encode } from '../lower/onnx/helpers.js';
import { irOf, tinySpec } from '../lower/onnx/variants.js';
import { inferenceRouting, testWeights } from '../reference/cases.js';
import { referenceForward } from '../reference/reference-forward.js';

describe('held-out scoring', () => {
  it('windows are consecutive, non-overlapping, the last one shorter; --max-tokens caps them', () => {
    expect(evalWindows(11, 4)).toEqual([{ start: 0, length: 4 }, { start: 4, length: 4 }, { start: 8, length: 2 }]);
    expect(evalWindows(11, 4, 5)).toEqual([{ start: 0, length: 4 }, { start: 4, length: 1 }]);
    expect(evalWindows(1, 4)).toEqual([]);
  });

  it('loss per token and per byte (the end-of-document id 256 is no byte)', () => {
    const acc = new LossAccumulator();
    const logits = [0, Math.log(3), 0, 0]; // softmax: 1/6, 3/6, 1/6, 1/6
    expect(acc.add(logits, 0, 4, 1)).toBeCloseTo(Math.log(2), 12);
    const wide = new Float32Array(300);
    acc.add(wide, 0, 300, 256); // uniform over 300
    const s = acc.summary();
    expect([s.tokens, s.bytes]).toEqual([2, 1]);
    expect(s.loss).toBeCloseTo((Math.log(2) + Math.log(300)) / 2, 6);
    expect(s.lossPerByte).toBeCloseTo(Math.log(2) + Math.log(300), 6);
    expect(s.bitsPerByte).toBeCloseTo(s.lossPerByte / Math.LN2, 12);
    expect(s.perplexity).toBeCloseTo(Math.exp(s.loss), 9);
  });

  it('scoring in onnxruntime equals the loss from the reference forward pass on the same windows', async () => {
    const ir = irOf(tinySpec);
    const w = testWeights(ir);
    const tokens = Array.from(Buffer.from('It was the best of times, it was the worst of times, it was the age of wisdom.'));
    const windows = evalWindows(tokens.length, 16);
    const session = await ort.InferenceSession.create(Buffer.from(encode(emitOnnxModel(ir, w))), { intraOpNumThreads: 1 });
    const got = await scoreTokens(session, cacheLayout(session) as CacheLayout, ir.vocab, tokens, windows, { batch: 3 });
    await session.release();
    const acc = new LossAccumulator();
    for (const win of windows) {
      const logits = referenceForward(inferenceRouting(ir), w, [tokens.slice(win.start, win.start + win.length)]);
      for (let p = 0; p < win.length; p++) acc.add(logits, p * ir.vocab, ir.vocab, tokens[win.start + p + 1]);
    }
    const want = acc.summary();
    expect(got.tokens).toBe(tokens.length - 1);
    expect(Math.abs(got.loss / want.loss - 1)).toBeLessThan(1e-5);
  });
});
