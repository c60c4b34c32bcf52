/**
 * Semantic rules for the targets in effect: what Megatron-Core cannot express of the router's
 * losses and drop order, or computes differently (src/interop/router-losses.ts decides; this
 * places its findings at the spec keys). Runs only with `megatron` among ctx.targets; the
 * Megatron target's own rules (checks/megatron.ts) leave these keys to it, so each finding is
 * reported once. The Hugging Face rows depend on the exported model_type, so `moec export hf`
 * reports those.
 */
import { resolveParallel, resolveRouter, resolveTrain } from '../../ir/defaults.js';
import { megatronRouterArgs, megatronRouterContextOf } from '../../interop/router-losses.js';
import type { Check } from './context.js';

export const checkRouterTargets: Check = (ctx) => {
  const moe = ctx.spec.moe;
  if (!moe || !ctx.targets.has('megatron')) return;
  // The layout the Megatron target emits, through the IR's own resolvers.
  const context = megatronRouterContextOf(resolveParallel(ctx.spec.parallel), resolveTrain(ctx.spec.train, ctx.spec.context));
  // A world that does not divide into data-parallel ranks is the layout rules' error (MOE3407); no conversion to quote.
  if (!Number.isInteger(context.dataParallel)) return;
  const { findings } = megatronRouterArgs(resolveRouter(moe.router), context);
  for (const f of findings) ctx.report(f.code, f.at, { args: f.args, ...(f.hint ? { hint: f.hint } : {}) });
};
