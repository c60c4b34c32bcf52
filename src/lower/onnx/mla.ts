/**
 * ONNX lowering — multi-head latent attention (DeepSeek-V2/V3; docs/semantics.md §MLA).
 * The cache holds full per-head keys [k_nope, k_pe] (nope + rope wide, the shared rope key
 * expanded over heads) and values (v wide), as HF's DeepseekV3Attention caches them and as the
 * transformers.js / Optimum decoder contract expects (docs/onnx.md §MLA cache); the compressed
 * latent would be smaller (moec explain reports both) but no stock client reads it. The latent
 * norms use mla.normEps (transformers: 1e-6); the softmax scale is the IR's (× mscale² under
 * YaRN, DeepSeek).
 */
import type { AttentionIR } from '../../ir/types.js';
import type { AttentionEnv } from './attention-env.js';
import { attend, mergeHeads, splitHeads } from './attention.js';
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
    const perHead = b.concat([b.shape(kNope, 0, -1), b.i64([rope])], 0); // [batch, heads, seq, rope]
    const k = b.concat([kNope, b.op('Expand', [kPe, perHead])], -1);
    const cached = env.kv(k, v); // [batch, heads, total, nope + rope], [batch, heads, total, v]
    const qFull = b.concat([qNope, qPe], -1);
    const raw = b.matmul(qFull, b.transpose(cached.k, [0, 1, 3, 2]));
    const scores = b.mul(raw, b.f32([a.scale]));
    const sinks = a.sinks ? { name: `${p}.sinks`, shape: [1, heads, 1, 1] } : undefined;
    const out = attend(ctx, scores, cached.v, env.mask(a.window), sinks);
    return linearMaybeBias(ctx, mergeHeads(ctx, out, heads, m.vHeadDim), `${p}.o_proj`);
  });
}
