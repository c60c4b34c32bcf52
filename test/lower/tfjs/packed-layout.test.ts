/**
 * Packed sequences (src/lower/tfjs/packed-layout.ts): one row holding documents A and B (and
 * padding) gives, at every position of A and of B, the logits of A and B run alone as rows of
 * their own — attention does not cross documents and RoPE positions restart at 0. Checked on
 * GQA + RoPE, MLA with linear RoPE scaling, and MQA with a sliding window and attention sinks
 * (MoE layers without a capacity limit, so routing is per token). Tolerance 1e-5 (float32, cpu).
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import type { PackedLayout } from '../../../src/lower/tfjs/packed-layout.js';
import { referenceIR, testWeights } from '../../reference/cases.js';
import { useBackend, withModel } from './helpers.js';

const A = [5, 17, 3, 28, 9];
const B = [11, 2, 30, 7];

function layoutOf(docs: number[][], seq: number): { ids: number[]; layout: PackedLayout } {
  const ids: number[] = [];
  const segments: number[] = [];
  const positions: number[] = [];
  docs.forEach((d, i) => d.forEach((t, p) => (ids.push(t), segments.push(i), positions.push(p))));
  while (ids.length < seq) ids.push(0), segments.push(-1), positions.push(0);
  return { ids, layout: { batch: 1, seq, segments: Int32Array.from(segments), positions: Int32Array.from(positions) } };
}

describe('packed rows', () => {
  for (const name of ['gqa-swiglu', 'mla-no-qlora-linear-rope', 'mqa-qknorm-window-sinks-relu-geglu']) {
    it(`documents in one row compute what they compute alone (${name})`, async () => {
      await useBackend('cpu');
      const ir = referenceIR(name);
      const vocab = ir.vocab;
      const seq = A.length + B.length + 2;
      await withModel(ir, testWeights(ir), (m) => {
        const logits = (ids: number[], layout?: PackedLayout) => {
          const input = tf.tensor2d([ids.map((t) => t % vocab)], [1, ids.length], 'int32');
          const out = m.forward(input, { training: false, layout });
          const data = out.logits.dataSync() as Float32Array;
          tf.dispose([input, out.logits]);
          return data;
        };
        const packed = layoutOf([A, B], seq);
        const together = logits(packed.ids, packed.layout);
        const alone = [logits(A), logits(B)];
        let worst = 0;
        [A, B].forEach((doc, d) => {
          const offset = d === 0 ? 0 : A.length;
          for (let p = 0; p < doc.length; p++) {
            for (let v = 0; v < vocab; v++) {
              worst = Math.max(worst, Math.abs(together[(offset + p) * vocab + v]! - alone[d]![p * vocab + v]!));
            }
          }
        });
        expect(worst).toBeLessThan(1e-5);
        // Without the layout, B's positions would see A: the check is not vacuous.
        const unpacked = logits(packed.ids);
        let moved = 0;
        for (let i = A.length * vocab; i < (A.length + B.length) * vocab; i++) moved = Math.max(moved, Math.abs(unpacked[i]! - together[i]!));
        expect(moved).toBeGreaterThan(1e-3);
      });
    });
  }
});
