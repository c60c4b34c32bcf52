/**
 * Semantic rules for the targets in effect: what Megatron-Core cannot express of the router's
 * losses and drop order, or computes differently (src/interop/router-losses.ts decides; this
 * places its findings at the spec keys). Runs only with `megatron` among ctx.targets. The
 * Hugging Face rows depend on the exported model_type, so `moec export hf` reports those.
 */
import { resolveRouter } from '../../ir/defaults.js';
import { megatronRouterArgs, type MegatronRouterContext } from '../../interop/router-losses.js';
import type { ModelSpec } from '../../spec/types.js';
import type { Check } from './context.js';
import { degrees } from './derive.js';

/** The layout the Megatron target emits, from the spec (defaults as src/ir/defaults.ts). */
function megatronContext(spec: ModelSpec): MegatronRouterContext {
  const d = degrees(spec);
  const data = d.data ?? 1;
  const microBatch = spec.parallel?.micro_batch ?? 1;
  const t = spec.train;
  return {
    dataParallel: data,
    tensorParallel: d.tensor,
    contextParallel: d.context,
    sequenceParallel: spec.parallel?.sequence_parallel ?? false,
    microBatch,
    stepSequences: (t?.batch ?? 8) / (t?.grad_accum ?? 1),
  };
}

export const checkRouterTargets: Check = (ctx) => {
  const moe = ctx.spec.moe;
  if (!moe || !ctx.targets.has('megatron')) return;
  const { findings } = megatronRouterArgs(resolveRouter(moe.router), megatronContext(ctx.spec));
  for (const f of findings) ctx.report(f.code, f.at, { args: f.args });
};
