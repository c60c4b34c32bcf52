/**
 * Settings a target cannot honour, as warnings for the targets in effect (ctx.targets: the
 * command's `--target`, else the spec's `targets`): a DeepSeek-V3 spec meant for Megatron
 * should not warn about the tfjs trainer's float32. Each gap names its target. The facts behind each row are in
 * ../shared/guide/TFJS-NOTES.md (tfjs: float32 only; no fp16/bf16 kernels; optimizers sgd,
 * momentum, rmsprop, adam, adadelta, adamax, adagrad) and in the target code under src/lower/.
 * When a target gains a feature, delete its row here. (Both targets implement attention sinks,
 * sliding windows and YaRN, so those have no row.)
 */
import type { ModelSpec, Target } from '../../spec/types.js';
import type { Check } from './context.js';

/** The optimizers the tfjs trainer implements (adamw is moec's own decoupled-decay Adam). */
const TFJS_OPTIMIZERS = new Set(['adamw', 'adam', 'sgd', 'momentum']);

interface Gap {
  target: Target;
  at: string;
  applies: (spec: ModelSpec) => boolean;
  feature: (spec: ModelSpec) => string;
  consequence: string;
  hint: string;
}

/**
 * Features a target does not implement. Each row names the target and what it will do, so a
 * user can decide whether the spec still means what they want there.
 */
export const TARGET_GAPS: Gap[] = [
  {
    // src/lower/tfjs/model.ts (MOE6004). The ONNX target leaves MTP out by design: it is training-only.
    target: 'tfjs',
    at: '/mtp',
    applies: (spec) => spec.mtp !== undefined,
    feature: (spec) => `mtp ${spec.mtp!.depth}`,
    consequence: 'the tfjs trainer does not train the multi-token-prediction modules: their weights keep their initial values and their loss is not added',
    hint: 'remove the mtp block to train with the tfjs target; Megatron-Core trains MTP (`targets [megatron]`)',
  },
];

export const checkTargets: Check = (ctx) => {
  const { spec } = ctx;
  const t = spec.train;
  if (ctx.targets.has('tfjs') && (t?.precision === 'bf16' || t?.precision === 'fp16')) {
    ctx.report('MOE3701', '/train/precision', { args: { precision: t.precision }, hint: 'keep it to describe the intended run (targets that can honour it will); write fp32 to match what the tfjs trainer runs' });
  }
  if (ctx.targets.has('tfjs') && t?.optimizer && !TFJS_OPTIMIZERS.has(t.optimizer.type)) {
    ctx.report('MOE3702', '/train/optimizer', { args: { type: t.optimizer.type }, hint: `use one of ${[...TFJS_OPTIMIZERS].join(', ')} to train with the tfjs target` });
  }
  for (const gap of TARGET_GAPS) {
    if (ctx.targets.has(gap.target) && gap.applies(spec)) ctx.report('MOE3703', gap.at, { args: { feature: gap.feature(spec), consequence: gap.consequence }, hint: gap.hint });
  }
};
