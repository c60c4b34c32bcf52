/**
 * ONNX lowering — causal self-attention, MHA / GQA / MQA (docs/semantics.md §Attention).
 * Layout: x [batch, seq, hidden] → q [batch, heads, seq, headDim]. GQA never materialises
 * repeated keys: q is viewed as [batch, kvHeads, heads/kvHeads, seq, headDim] and k, v as
 * [batch, kvHeads, 1, seq, headDim], so MatMul broadcasting gives query head j the kv head
 * floor(j / (heads/kvHeads)). Keys and values go through `env.kv` (the KV cache, attention-env.ts)
 * after RoPE, so `seq` of the keys is the total length; the additive mask [batch, 1, seq, total]
 * (causal, sliding window, padding) comes from the env too.
 */
import type { AttentionIR } from '../../ir/types.js';
import type { AttentionEnv } from './attention-env.js';
import { floatParam, linearMaybeBias, type EmitContext } from './linear.js';
import { projectHeads } from './qkv-projection.js';
import { applyRope, ropeTables } from './rope.js';

/** [batch, seq, n·d] → [batch, n, seq, d]. */
export function splitHeads(ctx: EmitContext, x: string, n: number, d: number): string {
  return ctx.b.transpose(ctx.b.reshape(x, [0, 0, n, d]), [0, 2, 1, 3]);
}

/**
 * softmax(scores + mask)·v for scores [..., seq, total]; with sinks (one logit per head, shaped
 * to broadcast over scores' leading dims) joining the softmax denominator only.
 */
export function attend(ctx: EmitContext, scores: string, v: string, mask: string, sinks?: { name: string; shape: number[] }): string {
  const b = ctx.b;
  const masked = b.add(scores, mask);
  if (!sinks) return b.matmul(b.op('Softmax', [masked], { axis: -1 }), v);
  const sinkCol = b.reshape(floatParam(ctx, sinks.name), sinks.shape);
  // The sink column broadcast to [..., seq, 1], appended to the logits, then dropped after softmax.
  const colShape = b.concat([b.shape(masked, 0, -1), b.i64([1])], 0);
  const withSink = b.concat([masked, b.op('Expand', [sinkCol, colShape])], -1);
  const probs = b.op('Softmax', [withSink], { axis: -1 });
  const seq = b.shape(masked, -1);
  return b.matmul(b.slice(probs, -1, 0, seq), v);
}

/** [batch, n, seq, d] → [batch, seq, n·d]. */
export function mergeHeads(ctx: EmitContext, x: string, n: number, d: number): string {
  return ctx.b.reshape(ctx.b.transpose(x, [0, 2, 1, 3]), [0, 0, n * d]);
}

export function attention(ctx: EmitContext, env: AttentionEnv, x: string, p: string, a: AttentionIR): string {
  const b = ctx.b;
  return b.scope(p, () => {
    const { heads, kvHeads, headDim: d } = a;
    const rep = heads / kvHeads;
    const proj = (name: 'q' | 'k' | 'v', n: number): string => b.transpose(projectHeads(ctx, x, p, name, n, a), [0, 2, 1, 3]);
    let q = proj('q', heads);
    let k = proj('k', kvHeads);
    const v = proj('v', kvHeads);
    if (a.rope.dim > 0) {
      const t = ropeTables(ctx, env.rope, a.rope);
      q = applyRope(ctx, q, t, d);
      k = applyRope(ctx, k, t, d);
    }
    const cached = env.kv(k, v); // [batch, kvHeads, total, d]
    const q5 = b.reshape(q, [0, kvHeads, rep, -1, d]);
    const k5 = b.unsqueeze(cached.k, [2]);
    const v5 = b.unsqueeze(cached.v, [2]);
    const scores = b.mul(b.matmul(q5, b.transpose(k5, [0, 1, 2, 4, 3])), b.f32([a.scale]));
    const sinks = a.sinks ? { name: `${p}.sinks`, shape: [1, kvHeads, rep, 1, 1] } : undefined;
    const out = attend(ctx, scores, v5, b.unsqueeze(env.mask(a.window), [1]), sinks); // [batch, kvHeads, rep, seq, d]
    const merged = mergeHeads(ctx, b.reshape(out, [0, heads, -1, d]), heads, d);
    return linearMaybeBias(ctx, merged, `${p}.o_proj`);
  });
}
