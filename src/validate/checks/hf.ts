/**
 * Validation phase, target rules for Hugging Face (when `hf` is a target in effect:
 * `targets [hf]` or `moec check --target hf`): whether a transformers model_type holds the spec
 * — what `moec export hf` would refuse (MOE7200) — and the router settings transformers computes
 * differently or cannot state (MOE3810–3812, at their keys). The rules live with the bridge
 * (src/interop/hf/export-config.ts); this runs them on the resolved spec so they report with every
 * other rule in one run.
 */
import { hasErrors } from '../../diagnostics/diagnostic.js';
import { chooseModelType } from '../../interop/hf/export-config.js';
import { moeLayerIndices, moeOf } from '../../interop/hf/ir-view.js';
import { hfRouterFields } from '../../interop/router-losses.js';
import { buildIR } from '../../ir/build-ir.js';
import type { Check } from './context.js';

export const checkHf: Check = (ctx) => {
  if (!ctx.targets.has('hf')) return;
  const built = buildIR(ctx.spec, ctx.spans);
  if (hasErrors(built.diagnostics)) return; // the spec's own errors come first
  const choice = chooseModelType(built.value);
  for (const r of choice.refusals) ctx.report(r.code, '', { args: r.args });
  const moe = moeOf(built.value);
  if (!choice.chosen || !moe) return;
  const { findings } = hfRouterFields(moe.router, choice.chosen.type.modelType, { moeLayers: moeLayerIndices(built.value).length });
  for (const f of findings) ctx.report(f.code, f.at, { args: f.args, ...(f.hint ? { hint: f.hint } : {}) });
};
