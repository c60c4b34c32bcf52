/**
 * ONNX lowering — one q, k or v projection of standard attention, up to the per-head view
 * (docs/semantics.md §Attention), in the order transformers applies its options:
 *   x·W (+b) → full-width RMSNorm (qk_norm full, OLMoE) → clamp to ±clip_qkv (OLMoE, DBRX)
 *   → view [batch, seq, n, d] → per-head RMSNorm (qk_norm head, Qwen3).
 * OLMoE: `q = q_norm(q_proj(x))`, then `clamp_(-clip_qkv, clip_qkv)` on q, k and v
 * (transformers olmoe/modular_olmoe.py, OlmoeAttention.forward).
 */
import type { AttentionIR } from '../../ir/types.js';
import { linearMaybeBias, type EmitContext } from './linear.js';
import { rmsNorm } from './norm.js';

/** `name` ∈ q, k, v; returns [batch, seq, n, d]. */
export function projectHeads(ctx: EmitContext, x: string, p: string, name: 'q' | 'k' | 'v', n: number, a: AttentionIR): string {
  const b = ctx.b;
  const normed = name !== 'v' && a.qkNorm !== 'none';
  const normWeight = `${p}.${name}_norm.weight`;
  let t = linearMaybeBias(ctx, x, `${p}.${name}_proj`);
  if (normed && a.qkNorm === 'full') t = rmsNorm(ctx, t, normWeight, ctx.ir.norm.eps);
  if (a.clipQkv !== undefined) t = b.op('Clip', [t, b.f32([-a.clipQkv]), b.f32([a.clipQkv])]);
  t = b.reshape(t, [0, 0, n, a.headDim]);
  if (normed && a.qkNorm === 'head') t = rmsNorm(ctx, t, normWeight, ctx.ir.norm.eps);
  return t;
}
