/**
 * ONNX lowering — multi-head latent attention (DeepSeek-V2/V3; docs/semantics.md §MLA).
 * The shared rope key is never broadcast: scores = q_nope·k_nopeᵀ + q_pe·k_peᵀ, with k_pe
 * [batch, 1, seq, rope] broadcasting over heads inside MatMul — the same value as
 * concatenating [k_nope, k_pe] per head. The latent norms use mla.normEps (transformers:
 * 1e-6), the softmax scale is the IR's (× mscale² under YaRN, DeepSeek).
 */
import type { AttentionIR } from '../../ir/types.js';
import { attend, mergeHeads, splitHeads, type AttentionEnv } from './attention.js';
import { linear, linearMaybeBias, type EmitContext } from './linear.js';
import { rmsNorm } from './norm.js';
import { applyRope, ropeTables } from './rope.js';

export function mlaAttention(ctx: EmitContext, env: AttentionEnv, x: string, p: string, a: AttentionIR): string {
  const b = ctx.b;
  const m = a.mla!;
  const eps = m.normEps;
  return b.scope(p, () => {
    const { heads } = a;
    const nope = m.qkNopeHeadDim;
    const rope = m.qkRopeHeadDim;
    const qFlat =
      m.qLoraRank > 0
        ? linear(ctx, rmsNorm(ctx, linear(ctx, x, `${p}.q_a_proj.weight`), `${p}.q_a_norm.weight`, eps), `${p}.q_b_proj.weight`)
        : linear(ctx, x, `${p}.q_proj.weight`);
    const q = splitHeads(ctx, qFlat, heads, nope + rope);
    const kvA = linear(ctx, x, `${p}.kv_a_proj.weight`); // [batch, seq, kvLora + rope]
    const c = rmsNorm(ctx, b.slice(kvA, -1, 0, m.kvLoraRank), `${p}.kv_a_norm.weight`, eps);
    let kPe = b.unsqueeze(b.slice(kvA, -1, m.kvLoraRank, m.kvLoraRank + rope), [1]); // [batch, 1, seq, rope]
    const kv = splitHeads(ctx, linear(ctx, c, `${p}.kv_b_proj.weight`), heads, nope + m.vHeadDim);
    const kNope = b.slice(kv, -1, 0, nope);
    const v = b.slice(kv, -1, nope, nope + m.vHeadDim);
    const qNope = b.slice(q, -1, 0, nope);
    let qPe = b.slice(q, -1, nope, nope + rope);
    const t = ropeTables(ctx, env.rope, a.rope);
    qPe = applyRope(ctx, qPe, t, rope);
    kPe = applyRope(ctx, kPe, t, rope);
    const kT = (k: string): string => b.transpose(k, [0, 1, 3, 2]);
    const raw = b.add(b.matmul(qNope, kT(kNope)), b.matmul(qPe, kT(kPe)));
    const scores = b.mul(raw, b.f32([a.scale]));
    const sinks = a.sinks ? { name: `${p}.sinks`, shape: [1, heads, 1, 1] } : undefined;
    const out = attend(ctx, scores, v, env.mask(a.window), sinks);
    return linearMaybeBias(ctx, mergeHeads(ctx, out, heads, m.vHeadDim), `${p}.o_proj`);
  });
}
