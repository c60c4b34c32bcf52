/**
 * The emitted ONNX model against the independent plain-TypeScript reference forward pass
 * (test/reference/) on every reference case, for each MoE dispatch, with inference routing
 * (capacity is training-only). fp32 tolerance: 1e-4 absolute on logits of magnitude ≲ 10
 * (float32 accumulation vs the float64 reference).
 */
import { describe, expect, it } from 'vitest';
import { emitOnnxModel } from '../../../src/lower/onnx/emit-model.js';
import { inferenceRouting, REFERENCE_SPECS, referenceIR, testIds, testWeights } from '../../reference/cases.js';
import { referenceForward } from '../../reference/reference-forward.js';
import { encode, maxAbsDiff, runLogits } from './helpers.js';

const TOL = 1e-4;

describe('ONNX logits match the reference forward pass', () => {
  for (const name of Object.keys(REFERENCE_SPECS)) {
    for (const moe of ['sparse', 'dense'] as const) {
      it(`${name} (${moe})`, async () => {
        const ir = referenceIR(name);
        const w = testWeights(ir);
        const ids = testIds(ir.vocab, 3, 7);
        const expected = referenceForward(inferenceRouting(ir), w, ids);
        const got = await runLogits(encode(emitOnnxModel(ir, w, { moe })), ids);
        const err = maxAbsDiff(got, expected);
        console.log(`${name} ${moe}: max abs error ${err.toExponential(2)}`);
        expect(err).toBeLessThan(TOL);
      });
    }
  }
});
