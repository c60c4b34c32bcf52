/** Spec variants for the ONNX graph tests beyond the reference cases (tiny spec, fused-friendly MoE, quantized). */
import { buildIR } from '../../../src/ir/build-ir.js';
import type { ModelIR } from '../../../src/ir/types.js';
import type { ModelSpec } from '../../../src/spec/types.js';
import { tinySpec } from '../../ir/fixtures.js';

export function irOf(spec: ModelSpec): ModelIR {
  const built = buildIR(spec);
  const errors = built.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) throw new Error(errors.map((d) => `${d.code} ${d.message}`).join('; '));
  return built.value;
}

export { tinySpec };

/** A small MoE the fused com.microsoft.MoE op can express (softmax + norm_topk, no capacity). */
export const fusableSpec = (activation: 'swiglu' | 'clamped_swiglu' | 'silu' | 'relu', extra: Partial<ModelSpec> = {}): ModelSpec => ({
  name: `fusable-${activation}`,
  vocab: 32,
  hidden: 16,
  layers: 2,
  context: 16,
  attention: { heads: 4, kv_heads: 2, head_dim: 4 },
  moe: {
    // A limit of 0.8 clamps a good share of the N(0, 1)-ish projections, so the clamp is exercised.
    experts: { count: 8, ffn: 12, activation, ...(activation === 'clamped_swiglu' ? { swiglu_limit: 0.8, swiglu_alpha: 1.702 } : {}) },
    shared: { count: 1, ffn: 8 },
    router: { top_k: 2, score: 'softmax', norm_topk: true, scaling: 1.5 },
  },
  ...extra,
});
