/**
 * Semantic rules for the expert pool itself (the schema already keeps counts and widths
 * positive): a pool of one routed expert is a dense FFN in disguise.
 */
import type { Check } from './context.js';

export const checkExperts: Check = (ctx) => {
  const moe = ctx.spec.moe;
  if (!moe) return;
  if (moe.experts.count === 1) {
    ctx.report('MOE3213', '/moe/experts/count', { hint: 'use several experts, or replace the moe block with `dense { ffn ... }`' });
  }
};
