/**
 * ONNX lowering — routed experts as one com.microsoft.MoE node (onnxruntime contrib op), for
 * the specs it expresses exactly; everything else falls back to the sparse dispatch with a
 * warning (MOE5001). The CPU kernel (ORT 1.30, ONNX-NOTES.md) takes router logits, selects
 * top-k, and with normalize_routing_weights=1 weights the choices by a softmax over the top-k
 * logits — equal to softmax scores renormalized over the top-k (norm_topk). It supports only
 * interleaved SwiGLU (swiglu_fusion=1, FC1 rows alternating gate/up; with activation_alpha,
 * activation_beta and swiglu_limit it is gpt-oss's clamped SwiGLU, contrib_ops/cpu/moe/moe_utils.cc
 * ApplySwiGLUActivation) and no FC3, and its GELU is the tanh approximation, so: softmax +
 * norm_topk, no groups, no score bias, activation swiglu / clamped_swiglu / silu / relu, fp32
 * experts (capacity is training-only, never lowered). `scaling` is folded into FC2.
 * Weight layout: fc1 [E, fc1_out, hidden], fc2 [E, hidden, ffn] (each expert's W transposed).
 */
import type { MoeIR, QuantIR } from '../../ir/types.js';
import { f } from './graph-builder.js';
import { linearMaybeBias, tensorOf, weightOf, type EmitContext } from './linear.js';

export function fusedMisfitReason(moe: MoeIR, experts: QuantIR): string | undefined {
  const r = moe.router;
  if (r.score !== 'softmax') return 'sigmoid scoring';
  if (!r.normTopK) return 'norm_topk false';
  if (r.groups > 1) return 'group-limited routing';
  if (r.biasUpdate > 0) return 'aux-loss-free score bias';
  if (!['swiglu', 'clamped_swiglu', 'silu', 'relu'].includes(moe.expert.activation)) return `activation ${moe.expert.activation}`;
  if (experts.dtype !== 'fp32') return `${experts.dtype} experts`;
  return undefined;
}

export function fusedMisfit(ctx: EmitContext, moe: MoeIR): boolean {
  return fusedMisfitReason(moe, ctx.ir.quantize.experts) !== undefined;
}

/** Stack per-expert [in, out] weights as [E, out, in] (optionally interleaving two of them by row). */
function stackTransposed(ctx: EmitContext, names: string[][], scale = 1): { data: Float32Array; rows: number; cols: number } {
  const first = tensorOf(ctx, names[0][0]).shape;
  const [inDim, outDim] = first;
  const parts = names[0].length;
  const rows = outDim * parts;
  const data = new Float32Array(names.length * rows * inDim);
  names.forEach((group, e) => {
    group.forEach((name, j) => {
      const w = weightOf(ctx, name);
      for (let o = 0; o < outDim; o++) {
        const row = parts === 1 ? o : o * parts + j;
        const base = (e * rows + row) * inDim;
        for (let i = 0; i < inDim; i++) data[base + i] = w[i * outDim + o] * scale;
      }
    });
  });
  return { data, rows, cols: inDim };
}

function stackBias(ctx: EmitContext, names: string[][], scale = 1): Float32Array {
  const parts = names[0].length;
  const width = tensorOf(ctx, names[0][0]).shape[0];
  const out = new Float32Array(names.length * width * parts);
  names.forEach((group, e) =>
    group.forEach((name, j) => {
      const v = weightOf(ctx, name);
      for (let o = 0; o < width; o++) out[(e * width + o) * parts + (parts === 1 ? 0 : j)] = v[o] * scale;
    }),
  );
  return out;
}

export function fusedExperts(ctx: EmitContext, x: string, p: string, moe: MoeIR): string {
  const b = ctx.b;
  const E = moe.experts;
  const clamped = moe.expert.activation === 'clamped_swiglu';
  const gated = moe.expert.activation === 'swiglu' || clamped;
  const ex = (e: number, proj: string, kind = 'weight'): string => `${p}.experts.${e}.${proj}.${kind}`;
  const experts = Array.from({ length: E }, (_, e) => e);
  return b.scope(`${p}.fused`, () => {
    const logits = b.scope(`${p}.router`, () => linearMaybeBias(ctx, x, `${p}.router`));
    const fc1Names = experts.map((e) => (gated ? [ex(e, 'gate_proj'), ex(e, 'up_proj')] : [ex(e, 'up_proj')]));
    const fc2Names = experts.map((e) => [ex(e, 'down_proj')]);
    const fc1 = stackTransposed(ctx, fc1Names);
    const fc2 = stackTransposed(ctx, fc2Names, moe.router.scaling);
    const inputs = [
      x,
      logits,
      b.floatInit(`${p}.fused.fc1_experts_weights`, [E, fc1.rows, fc1.cols], fc1.data),
      moe.expert.bias ? b.floatInit(`${p}.fused.fc1_experts_bias`, [E, fc1.rows], stackBias(ctx, fc1Names.map((g) => g.map((n) => n.replace(/weight$/, 'bias'))))) : '',
      b.floatInit(`${p}.fused.fc2_experts_weights`, [E, fc2.rows, fc2.cols], fc2.data),
    ];
    if (moe.expert.bias) {
      const bias = stackBias(ctx, fc2Names.map((g) => g.map((n) => n.replace(/weight$/, 'bias'))), moe.router.scaling);
      inputs.push(b.floatInit(`${p}.fused.fc2_experts_bias`, [E, ctx.ir.hidden], bias));
    }
    const attrs: Record<string, number | string | ReturnType<typeof f>> = {
      k: moe.router.topK,
      activation_type: moe.expert.activation,
      normalize_routing_weights: 1,
    };
    // The kernel computes g·sigmoid(alpha·g)·(u + beta) with g = min(gate, limit), u = clip(up, ±limit):
    // plain SwiGLU is alpha 1, beta 0, no limit; gpt-oss's clamped SwiGLU is its own alpha, beta 1, limit.
    if (gated) {
      const [alpha, beta, limit] = clamped ? [moe.expert.swigluAlpha!, 1, moe.expert.swigluLimit!] : [1, 0, 3.4e38];
      Object.assign(attrs, { activation_type: 'swiglu', swiglu_fusion: 1, activation_alpha: f(alpha), activation_beta: f(beta), swiglu_limit: f(limit) });
    }
    return b.op('MoE', inputs, attrs, { domain: 'com.microsoft' });
  });
}
