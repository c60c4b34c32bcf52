/**
 * The TensorFlow.js forward pass against the independent float64 reference
 * (test/reference/referenceForward) on every reference case and specs/tiny.moe.
 * Tolerance: 1e-4 relative (float32 vs float64 accumulation over a few layers).
 */
import { describe, expect, it } from 'vitest';
import { loadModel } from '../../../src/pipeline.js';
import { referenceForward } from '../../reference/reference-forward.js';
import { CASE_BATCH, CASE_SEQ, REFERENCE_SPECS, referenceIR, testIds, testWeights } from '../../reference/cases.js';
import { ids2d, maxRelDiff, useBackend, withModel } from './helpers.js';

const TOL = 1e-4;

describe('tfjs forward == referenceForward', () => {
  for (const backend of ['cpu', 'wasm'] as const) {
    for (const name of Object.keys(REFERENCE_SPECS)) {
      it(`${name} (${backend})`, async () => {
        await useBackend(backend);
        const ir = referenceIR(name);
        const w = testWeights(ir);
        const ids = testIds(ir.vocab, CASE_BATCH, CASE_SEQ);
        const expected = referenceForward(ir, w, ids);
        const got = await withModel(ir, w, (m) => {
          const input = ids2d(ids);
          const { logits } = m.forward(input, { training: false });
          const data = logits.dataSync();
          logits.dispose();
          input.dispose();
          return data;
        });
        expect(maxRelDiff(got, expected)).toBeLessThan(TOL);
      });
    }
  }

  it('specs/tiny.moe (wasm)', async () => {
    await useBackend('wasm');
    const loaded = loadModel('specs/tiny.moe');
    const ir = loaded.ir!;
    const w = testWeights(ir, 3);
    const ids = testIds(ir.vocab, 2, 16);
    const expected = referenceForward(ir, w, ids);
    const got = await withModel(ir, w, (m) => {
      const { logits } = m.forward(ids2d(ids), { training: false });
      return logits.dataSync();
    });
    expect(maxRelDiff(got, expected)).toBeLessThan(TOL);
  });
});
