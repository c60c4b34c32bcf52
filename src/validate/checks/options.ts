/**
 * Semantic rules for options that only mean something beside another setting: the
 * clamped_swiglu constants on a block with another activation, and a LayerNorm bias switch on
 * an RMSNorm model. Both are harmless, so both are warnings.
 */
import type { Activation } from '../../spec/types.js';
import type { Check } from './context.js';

export const checkOptions: Check = (ctx) => {
  const { spec } = ctx;
  const experts = spec.moe?.experts.activation ?? 'swiglu';
  const blocks: [string, { activation?: Activation; swiglu_limit?: number; swiglu_alpha?: number } | undefined, Activation][] = [
    ['dense', spec.dense, spec.dense?.activation ?? 'swiglu'],
    ['moe/experts', spec.moe?.experts, experts],
    ['moe/shared', spec.moe?.shared, spec.moe?.shared?.activation ?? experts],
  ];
  for (const [path, block, activation] of blocks) {
    if (!block || activation === 'clamped_swiglu') continue;
    for (const key of ['swiglu_limit', 'swiglu_alpha'] as const) {
      if (block[key] === undefined) continue;
      ctx.report('MOE3423', `/${path}/${key}`, {
        args: { block: path.replace('/', '.'), key, activation },
        hint: `write \`activation clamped_swiglu\` (gpt-oss), or remove ${key}`,
      });
    }
  }
  if (spec.norm?.bias !== undefined && (spec.norm.type ?? 'rmsnorm') === 'rmsnorm') {
    ctx.report('MOE3424', '/norm/bias', { hint: 'remove bias, or use `norm layernorm`' });
  }
};
