/**
 * Token choice as HF's generate does it (temperature → top-k → top-p → draw): greedy ties to the
 * lower id; the candidate sets and probabilities against hand-computed values; top-p keeping the
 * smallest set reaching p (at least one token); the seeded draw reproducible and, over many draws,
 * distributed as the candidates' probabilities (within 4 standard errors).
 */
import { describe, expect, it } from 'vitest';
import { candidates, createSampler, GREEDY } from '../../src/run/sampling.js';

const logits = [1, 3, 2, 3, 0];

describe('sampling', () => {
  it('temperature 0 is greedy, ties to the lower id', () => {
    expect(createSampler(GREEDY, 1)(logits)).toBe(1);
  });

  it('top-k keeps the k largest logits; probabilities are the softmax over them at the temperature', () => {
    const c = candidates(logits, { temperature: 2, topK: 3, topP: 1 });
    expect(c.ids).toEqual([1, 3, 2]);
    const w = [1, 1, Math.exp(-0.5)];
    const z = w.reduce((a, b) => a + b, 0);
    c.probs.forEach((p, i) => expect(p).toBeCloseTo(w[i] / z, 12));
  });

  it('top-p keeps the smallest most-probable set whose mass reaches p, at least one token', () => {
    // softmax at T=1 of [1, 3, 2, 3, 0]: ids 1 and 3 hold 0.392 each, 0.783 together.
    expect(candidates(logits, { temperature: 1, topK: 0, topP: 0.3 }).ids).toEqual([1]);
    expect(candidates(logits, { temperature: 1, topK: 0, topP: 0.78 }).ids).toEqual([1, 3]);
    expect(candidates(logits, { temperature: 1, topK: 0, topP: 0.79 }).ids).toEqual([1, 3, 2]);
    const one = candidates(logits, { temperature: 1, topK: 0, topP: 1e-9 });
    expect([one.ids, one.probs]).toEqual([[1], [1]]);
  });

  it('a tiny temperature is (almost) greedy, never NaN: 1e-320 picks the argmax', () => {
    const c = candidates(logits, { temperature: 1e-320, topK: 0, topP: 1 });
    expect(c.probs.every((p) => Number.isFinite(p))).toBe(true);
    expect(createSampler({ temperature: 1e-320, topK: 0, topP: 1 }, 5)([0.5, 2, -1, 1.5])).toBe(1);
  });

  it('the same seed draws the same tokens; draws follow the probabilities', () => {
    const o = { temperature: 1, topK: 0, topP: 1 };
    const a = createSampler(o, 42);
    const b = createSampler(o, 42);
    const drawsA = Array.from({ length: 50 }, () => a(logits));
    expect(Array.from({ length: 50 }, () => b(logits))).toEqual(drawsA);
    const n = 20000;
    const s = createSampler(o, 3);
    const counts = new Array(5).fill(0);
    for (let i = 0; i < n; i++) counts[s(logits)]++;
    const { ids, probs } = candidates(logits, o);
    ids.forEach((id, i) => {
      const se = Math.sqrt((probs[i] * (1 - probs[i])) / n);
      expect(Math.abs(counts[id] / n - probs[i])).toBeLessThan(4 * se);
    });
  });
});
