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
import { DT, f } from './graph-builder.js';
import { Conversion, deferAll, floatBytes } from './initializer-data.js';
import { linearMaybeBias, tensorOf, type EmitContext } from './linear.js';

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

/**
 * Per-expert [in, out] weights stacked as [E, out, in] (optionally interleaving two of them by
 * row), as one initializer. The experts are read one at a time into the stacked array.
 */
function stackTransposed(ctx: EmitContext, init: string, names: string[][], scale = 1): string {
  const [inDim, outDim] = tensorOf(ctx, names[0][0]).shape;
  const parts = names[0].length;
  const rows = outDim * parts;
  const conversion = new Conversion(names.flat(), [4 * names.length * rows * inDim], (d) => {
    const data = new Float32Array(names.length * rows * inDim);
    names.forEach((group, e) => {
      group.forEach((name, j) => {
        const w = d.read(name);
        for (let o = 0; o < outDim; o++) {
          const row = parts === 1 ? o : o * parts + j;
          const base = (e * rows + row) * inDim;
          for (let i = 0; i < inDim; i++) data[base + i] = w[i * outDim + o] * scale;
        }
      });
    });
    return [floatBytes(data)];
  });
  return ctx.b.initializer(init, DT.FLOAT, [names.length, rows, inDim], deferAll(conversion)[0]);
}

/** Per-expert biases stacked as [E, width·parts] (interleaved like their weights). */
function stackBias(ctx: EmitContext, init: string, names: string[][], scale = 1): string {
  const parts = names[0].length;
  const width = tensorOf(ctx, names[0][0]).shape[0];
  const conversion = new Conversion(names.flat(), [4 * names.length * width * parts], (d) => {
    const out = new Float32Array(names.length * width * parts);
    names.forEach((group, e) =>
      group.forEach((name, j) => {
        const v = d.read(name);
        for (let o = 0; o < width; o++) out[(e * width + o) * parts + (parts === 1 ? 0 : j)] = v[o] * scale;
      }),
    );
    return [floatBytes(out)];
  });
  return ctx.b.initializer(init, DT.FLOAT, [names.length, width * parts], deferAll(conversion)[0]);
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
    const biasNames = (names: string[][]) => names.map((g) => g.map((n) => n.replace(/weight$/, 'bias')));
    const inputs = [
      x,
      logits,
      stackTransposed(ctx, `${p}.fused.fc1_experts_weights`, fc1Names),
      moe.expert.bias ? stackBias(ctx, `${p}.fused.fc1_experts_bias`, biasNames(fc1Names)) : '',
      stackTransposed(ctx, `${p}.fused.fc2_experts_weights`, fc2Names, moe.router.scaling),
    ];
    if (moe.expert.bias) inputs.push(stackBias(ctx, `${p}.fused.fc2_experts_bias`, biasNames(fc2Names), moe.router.scaling));
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
