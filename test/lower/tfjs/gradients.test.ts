/**
 * Training gradients of the real-model features (issue 8 §1) against central finite differences
 * of the whole model's cross-entropy, on cpu in float32:
 * - gpt-oss's clamped SwiGLU with a limit of 0.5, so most gate and up pre-activations are
 *   clamped and must pass no gradient (an unclamped or straight-through backward fails);
 * - OLMoE's full-width q/k norm with clip_qkv (again a clip that bites);
 * - YaRN (interpolated frequencies, cos/sin × attention factor) on GQA, and on MLA with
 *   DeepSeek's softmax mscale² and latent-norm eps.
 * Dense models only, so no routing decision flips under the perturbation. FD step 2e-3;
 * tolerance |g − fd| ≤ 2e-3 + 2e-2·|fd| (float32 loss rounding ≈ 1e-4 at this step). A probe
 * whose ±step straddles a clamp's kink has one-sided differences that disagree by more than
 * the tolerance; such probes (at most 1 in 10) are not compared, since no smooth derivative
 * exists across a kink.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { buildIR } from '../../../src/ir/build-ir.js';
import type { ModelIR } from '../../../src/ir/types.js';
import { crossEntropy } from '../../../src/lower/tfjs/loss.js';
import { createTfjsModel } from '../../../src/lower/tfjs/model.js';
import { createVariables, disposeVariables } from '../../../src/lower/tfjs/variables.js';
import type { ModelSpec } from '../../../src/spec/types.js';
import { REFERENCE_SPECS, testIds, testWeights } from '../../reference/cases.js';
import { ids2d, useBackend } from './helpers.js';

const EPS = 2e-3;

const dense = (name: string, extra: Partial<ModelSpec>): ModelSpec => ({
  name,
  vocab: 11,
  hidden: 8,
  layers: 1,
  context: 16,
  attention: { heads: 4, kv_heads: 2, head_dim: 4 },
  dense: { ffn: 12 },
  ...extra,
});

const CASES: Record<string, ModelSpec> = {
  'clamped swiglu (limit 0.5) with biases and an lm_head bias': dense('clamped', {
    lm_head_bias: true,
    dense: { ffn: 12, activation: 'clamped_swiglu', swiglu_limit: 0.5, bias: true },
  }),
  'full-width qk norm with clip_qkv 0.7': dense('olmoe', { attention: { heads: 4, kv_heads: 2, qk_norm: 'full', clip_qkv: 0.7 } }),
  'YaRN on GQA': REFERENCE_SPECS['yarn-gqa-no-truncate']!,
  'YaRN on MLA with mscale and mscale_all_dim': REFERENCE_SPECS['deepseek-mla-yarn-mscale-latent-eps']!,
};

function irOf(spec: ModelSpec): ModelIR {
  const built = buildIR(spec);
  expect(built.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return built.value;
}

describe('tfjs training gradients == finite differences', () => {
  for (const [label, spec] of Object.entries(CASES)) {
    it(label, async () => {
      await useBackend('cpu');
      const ir = irOf(spec);
      expect(ir.layers.every((l) => l.ffn.kind === 'dense')).toBe(true);
      const weights = testWeights(ir);
      const ids = testIds(ir.vocab, 2, 6);
      const vars = createVariables(ir, weights);
      try {
        const { model } = createTfjsModel(ir, vars);
        const inputs = ids2d(ids);
        const targets = ids2d(ids.map((row) => row.map((t) => (t * 3 + 1) % ir.vocab)));
        const loss = (): number =>
          tf.tidy(() => crossEntropy(model.forward(inputs, { training: false }).logits, targets).dataSync()[0]!);
        const { grads } = model.lossAndGrads({ inputs, targets }, { training: false });
        let checked = 0;
        let kinks = 0;
        for (const t of ir.tensors) {
          const data = weights.get(t.name)!;
          const g = grads.get(t.name)!.dataSync();
          const v = vars.get(t.name)!;
          const at = (value: number, i: number): number => {
            data[i] = value;
            v.assign(tf.tensor(data, t.shape));
            return loss();
          };
          for (let i = 0; i < data.length; i += Math.max(1, Math.floor(data.length / 4))) {
            const orig = data[i]!;
            const [up, mid, down] = [at(orig + EPS, i), at(orig, i), at(orig - EPS, i)];
            at(orig, i);
            const fd = (up - down) / (2 * EPS);
            const tol = 2e-3 + 2e-2 * Math.abs(fd);
            if (Math.abs((up - mid) / EPS - (mid - down) / EPS) > tol) {
              kinks++;
              continue;
            }
            expect(Math.abs(g[i]! - fd), `${t.name}[${i}] analytic ${g[i]} fd ${fd}`).toBeLessThanOrEqual(tol);
            checked++;
          }
        }
        for (const gr of grads.values()) gr.dispose();
        inputs.dispose();
        targets.dispose();
        expect(checked).toBeGreaterThan(40);
        expect(kinks).toBeLessThanOrEqual(checked / 10);
      } finally {
        disposeVariables(vars);
      }
    });
  }
});
