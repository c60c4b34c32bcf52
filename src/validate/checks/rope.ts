/**
 * Semantic rules for rope scaling: a factor that extends nothing, YaRN keys without YaRN, and
 * the YaRN settings transformers warns about (`_validate_yarn_rope_parameters` in
 * src/transformers/modeling_rope_utils.py): beta_fast below beta_slow, and a factor that
 * disagrees with max_position_embeddings / original_max_position_embeddings. Defaults quoted
 * here are src/ir/rope.ts's.
 */
import type { Check } from './context.js';

const YARN_KEYS = ['original_context', 'beta_fast', 'beta_slow', 'mscale', 'mscale_all_dim', 'attention_factor', 'truncate'] as const;

export const checkRope: Check = (ctx) => {
  const { spec } = ctx;
  const rope = spec.attention.rope;
  if (!rope) return;
  const scaling = rope.scaling ?? 'none';
  if (rope.factor !== undefined && scaling === 'none') {
    ctx.report('MOE3110', '/attention/rope/factor', { args: { factor: rope.factor, scaling }, hint: 'add `scaling yarn` or `scaling linear`, or remove factor' });
  } else if (rope.factor !== undefined && rope.factor <= 1) {
    ctx.report('MOE3111', '/attention/rope/factor', { args: { scaling, factor: rope.factor }, hint: 'factor is new context ÷ original context, e.g. 4 for 4k → 16k' });
  }
  if (scaling !== 'yarn') {
    for (const key of YARN_KEYS) {
      if (rope[key] !== undefined) ctx.report('MOE3421', `/attention/rope/${key}`, { args: { key, scaling }, hint: `add \`scaling yarn\`, or remove ${key}` });
    }
    return;
  }

  const original = rope.original_context ?? spec.context;
  if (rope.factor === undefined && original >= spec.context) {
    // transformers' default factor is context / original_context: 1 here, so YaRN changes nothing.
    const at = rope.original_context !== undefined ? '/attention/rope/original_context' : '/attention/rope/scaling';
    ctx.report('MOE3111', at, { args: { scaling, factor: spec.context / original }, hint: 'set factor (new context ÷ original context), or original_context below context' });
  }
  if (rope.factor !== undefined && rope.original_context !== undefined) {
    const ratio = spec.context / rope.original_context;
    if (ratio !== rope.factor && ratio !== 1) {
      ctx.report('MOE3422', '/attention/rope/factor', {
        args: { factor: rope.factor, context: spec.context, original: rope.original_context, ratio: Number(ratio.toPrecision(6)) },
        hint: `set context to original_context × factor = ${rope.original_context * rope.factor}`,
        related: [{ at: '/context', message: 'context is set here' }],
      });
    }
  }
  const fast = rope.beta_fast ?? 32;
  const slow = rope.beta_slow ?? 1;
  if (fast < slow) {
    ctx.report('MOE3425', rope.beta_fast !== undefined ? '/attention/rope/beta_fast' : '/attention/rope/beta_slow', { args: { fast, slow }, hint: 'beta_fast counts the faster rotations: make it larger than beta_slow (defaults 32 and 1)' });
  }
  if (rope.mscale !== undefined) {
    const why = rope.attention_factor !== undefined
      ? 'attention_factor is given explicitly'
      : rope.mscale_all_dim === undefined ? 'the attention factor uses mscale only together with mscale_all_dim (otherwise 0.1·ln(factor) + 1)' : undefined;
    if (why) ctx.report('MOE3426', '/attention/rope/mscale', { args: { mscale: rope.mscale, why }, hint: 'remove mscale, or set mscale_all_dim as the model config does' });
  }
};
