/**
 * Semantic rules for attention: head geometry (hidden ÷ heads, kv_heads ÷ heads), rotary
 * dimensions (even, within the head), MLA's own dimensions and what MLA excludes, sliding
 * window. Rope scaling is rope.ts's.
 */
import type { Check } from './context.js';
import { divisors, headDim } from './derive.js';

export const checkAttention: Check = (ctx) => {
  const { spec } = ctx;
  const a = spec.attention;
  const mla = a.mla;

  if (a.head_dim === undefined && !mla && spec.hidden % a.heads !== 0) {
    ctx.report('MOE3101', '/attention/heads', {
      args: { hidden: spec.hidden, heads: a.heads },
      hint: `set attention.head_dim explicitly, or use heads dividing ${spec.hidden} (e.g. ${divisors(spec.hidden, 64).filter((d) => d >= 4).slice(-4).join(', ')})`,
      related: [{ at: '/hidden', message: `hidden ${spec.hidden} is set here` }],
    });
  }
  if (!mla && a.kv_heads !== undefined && a.heads % a.kv_heads !== 0) {
    ctx.report('MOE3102', '/attention/kv_heads', {
      args: { kv_heads: a.kv_heads, heads: a.heads },
      hint: `use one of ${divisors(a.heads, 12).join(', ')} (1: MQA, ${a.heads}: MHA)`,
    });
  }

  if (mla) {
    // transformers' DeepSeek attention has neither: its only norms are the latent q_a/kv_a norms.
    const excluded = [
      ['qk_norm', 'MLA normalises its compressed latents (q_a_norm, kv_a_norm), not the per-head q and k'],
      ['clip_qkv', 'MLA has no q, k, v projections to clamp (DeepSeek clamps none)'],
    ] as const;
    for (const [key, why] of excluded) {
      if (a[key] === undefined || a[key] === false) continue;
      ctx.report('MOE3420', `/attention/${key}`, { args: { key, value: String(a[key]), why }, hint: `remove attention.${key}` });
    }
    // Both would set the one softmax scale: refuse rather than pick a composition (docs/language.md).
    if (a.softmax_scale !== undefined && a.rope?.mscale_all_dim !== undefined) {
      const why = `rope.mscale_all_dim ${a.rope.mscale_all_dim} already sets MLA's softmax scale (1/√(qk head dim) × mscale²); state the scale one way`;
      ctx.report('MOE3420', '/attention/softmax_scale', { args: { key: 'softmax_scale', value: String(a.softmax_scale), why }, hint: 'remove attention.softmax_scale, or rope.mscale_all_dim and give the whole scale in softmax_scale' });
    }
    for (const key of ['kv_heads', 'head_dim'] as const) {
      if (a[key] === undefined) continue;
      const why = key === 'kv_heads' ? 'every head gets its own keys and values from the shared latent' : 'MLA head sizes are qk_nope_head_dim + qk_rope_head_dim and v_head_dim';
      ctx.report('MOE3107', `/attention/${key}`, { args: { key, value: a[key]!, why }, hint: `remove attention.${key}` });
    }
    if (mla.qk_rope_head_dim % 2 !== 0) {
      ctx.report('MOE3106', '/attention/mla/qk_rope_head_dim', { args: { dim: mla.qk_rope_head_dim }, hint: `use ${mla.qk_rope_head_dim + 1} or ${mla.qk_rope_head_dim - 1}` });
    }
    if (a.rope?.dim !== undefined && a.rope.dim !== mla.qk_rope_head_dim) {
      ctx.report('MOE3112', '/attention/rope/dim', { args: { dim: a.rope.dim, rope_dim: mla.qk_rope_head_dim }, hint: 'remove rope.dim; set mla.qk_rope_head_dim instead' });
    }
  } else if (a.rope) {
    const hd = headDim(spec);
    const rotary = a.rope.dim ?? hd;
    if (a.rope.dim === undefined && hd !== undefined && hd % 2 !== 0) {
      const at = a.head_dim !== undefined ? '/attention/head_dim' : '/attention/heads';
      const why = a.head_dim !== undefined ? '' : ` (hidden ${spec.hidden} / heads ${a.heads})`;
      ctx.report('MOE3103', at, { args: { head_dim: hd, why }, hint: 'use an even head_dim, or rotate only part of each head with an even rope.dim' });
    }
    if (a.rope.dim !== undefined && hd !== undefined && a.rope.dim > hd) {
      ctx.report('MOE3104', '/attention/rope/dim', { args: { dim: a.rope.dim, max: hd, what: `head_dim ${hd}` }, hint: `use at most ${hd - (hd % 2)}` });
    }
    if (rotary !== undefined && a.rope.dim !== undefined && rotary % 2 !== 0) {
      ctx.report('MOE3105', '/attention/rope/dim', { args: { dim: a.rope.dim }, hint: `use ${a.rope.dim - 1} or ${a.rope.dim + 1}` });
    }
  }

  if (a.window !== undefined && a.window >= spec.context) {
    ctx.report('MOE3108', '/attention/window', {
      args: { window: a.window, context: spec.context },
      hint: `remove window, or make it smaller than ${spec.context}`,
    });
  }
  if (a.window === undefined && a.window_layers !== undefined) {
    ctx.report('MOE3109', '/attention/window_layers', { hint: 'add `window N` (tokens), or remove window_layers' });
  }
};
