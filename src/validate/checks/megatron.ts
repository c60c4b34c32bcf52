/**
 * Validation phase, target rules for Megatron-Core (when megatron is a target in effect): the
 * spec keys Megatron cannot state (MOE80xx) and what Megatron would refuse at launch or when its
 * process groups start (MOE81xx). The rules live with the target in src/lower/megatron/; they
 * read the spec through the IR's default resolvers, never a built IR, so they report together
 * with every other rule in one run.
 */
import { checkMegatronLaunch } from '../../lower/megatron/launch-checks.js';
import { fromSpec } from '../../lower/megatron/model-view.js';
import { checkMegatronRefusals } from '../../lower/megatron/refusals.js';
import type { Check } from './context.js';

export const checkMegatron: Check = (ctx) => {
  if (!ctx.targets.has('megatron')) return;
  const model = fromSpec(ctx.spec);
  checkMegatronRefusals(ctx, model);
  checkMegatronLaunch(ctx, model);
};
