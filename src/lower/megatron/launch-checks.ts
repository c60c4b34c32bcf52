/**
 * Megatron-Core target, validation side — what Megatron would refuse at launch (validate_args,
 * the config dataclasses' __post_init__) or only once its process groups start, as MOE81xx
 * diagnostics. Most of Megatron's layout rules are moec's own target-neutral rules already
 * (docs/megatron.md §Launch checks lists which code covers which); this file adds the ones that
 * only Megatron has, and checks the launch settings of the `megatron` block.
 */
import type { MegatronSpec } from '../../spec/types.js';
import type { CheckContext } from '../../validate/checks/context.js';
import { biasMode, routerWeights } from './expressible.js';
import { resolveLaunchOptions } from './launch-options.js';
import { biasSet } from './mapping/model.js';
import { virtualStages } from './mapping/parallel.js';
import type { MegatronModel } from './model-view.js';

/** A launch-setting problem, reported at a key of the `megatron` block (or from `--megatron`). */
export interface SettingProblem {
  code: 'MOE8105' | 'MOE8106' | 'MOE8107' | 'MOE8109' | 'MOE8110' | 'MOE8111' | 'MOE8114' | 'MOE8115';
  at: string;
  args: Record<string, string | number>;
  severity?: 'warning';
}

function checkRouterLaunch(ctx: CheckContext, m: MegatronModel): void {
  const r = m.moe?.router;
  if (!r) return;
  // transformer_config.py:2328: softmax over one selected logit is constant 1, so no gradient.
  const w = routerWeights(r.score, r.normTopK, r.topK);
  if ('code' in w && w.code === 'MOE8102') ctx.report('MOE8102', '/moe/router/norm_topk');
  // The expert bias needs sigmoid scores (transformer_config.py:2284): router-targets.ts reports it (MOE3810).
  // transformer_config.py:2279: add_bias_linear with experts needs ETP 1.
  if (biasMode(biasSet(m)).mode === 'all' && m.parallel.expertTensor > 1) {
    ctx.report('MOE8104', '/parallel/expert_tensor', { args: { expert_tensor: m.parallel.expertTensor }, related: [{ at: '/moe/experts/bias', message: 'expert biases are set here' }] });
  }
}

function checkPositions(ctx: CheckContext, m: MegatronModel): void {
  // arguments.py:857 (and 1861): MTP needs rope/none positions; non-MLA YaRN is its own type.
  if (m.mtpDepth > 0 && m.attention.kind !== 'mla' && m.attention.rope.scaling === 'yarn') ctx.report('MOE8101', '/mtp');
}

function checkFsdp(ctx: CheckContext, m: MegatronModel): void {
  const zero = m.parallel.zero;
  if (zero < 2) return;
  // arguments.py:1413–1439 wants CUDA_DEVICE_MAX_CONNECTIONS=1 for TP/CP; 1014 and 1143 forbid it with FSDP.
  const what = [m.parallel.tensor > 1 ? `tensor ${m.parallel.tensor}` : '', m.parallel.context > 1 ? `context ${m.parallel.context}` : ''].filter(Boolean).join(' and ');
  if (what) ctx.report('MOE8108', '/parallel/zero', { args: { zero, what } });
}

/** Problems of the launch settings; pure, so `moec compile` can re-run it after `--megatron` overrides. */
export function launchSettingProblems(m: MegatronModel, block: MegatronSpec | undefined): SettingProblem[] {
  const out: SettingProblem[] = [];
  const o = resolveLaunchOptions(block, m.parallel.world);
  if (o.nodes * o.gpusPerNode !== m.parallel.world) {
    const what = [block?.nodes !== undefined ? `nodes ${o.nodes}` : '', block?.gpus_per_node !== undefined ? `gpus_per_node ${o.gpusPerNode}` : ''].filter(Boolean).join(' × ') || `${o.nodes} nodes × ${o.gpusPerNode} GPUs`;
    out.push({ code: 'MOE8111', at: block?.nodes !== undefined ? '/megatron/nodes' : '/megatron/gpus_per_node', args: { what: `megatron.${what}`, product: o.nodes * o.gpusPerNode, world: m.parallel.world } });
  }
  if (o.tokenizer !== 'NullTokenizer' && o.tokenizerModel === undefined) out.push({ code: 'MOE8110', at: '/megatron/tokenizer', args: { tokenizer: o.tokenizer } });
  if (o.flexBackend !== undefined && o.dispatcher !== 'flex') {
    // transformer_config.py:1609 refuses ncclep outside flex; the other backends are just unused.
    out.push({ code: 'MOE8109', at: '/megatron/flex_backend', args: { backend: o.flexBackend, dispatcher: o.dispatcher }, ...(o.flexBackend === 'ncclep' ? {} : { severity: 'warning' as const }) });
  }
  // arguments.py:1127: Megatron-FSDP runs adam or sgd only. Here, not in checkFsdp, so that
  // `--megatron fsdp=megatron` over a spec's `fsdp torch` is checked too.
  if (m.parallel.zero >= 2 && o.fsdp === 'megatron' && m.train.optimizer.type === 'lion') {
    out.push({ code: 'MOE8105', at: '/train/optimizer/type', args: { zero: m.parallel.zero, type: 'lion' } });
  }
  if (m.moe && o.dispatcher === 'flex') {
    const backend = o.flexBackend ?? 'deepep';
    // token_dispatcher.py:1770 (deepep) and :1788 (ncclep) assert expert-TP × EP > 1 in MoEFlexTokenDispatcher.
    if (backend !== 'hybridep' && m.parallel.expertTensor * m.parallel.expert === 1) {
      out.push({ code: 'MOE8114', at: '/megatron/dispatcher', args: { backend, expert_tensor: m.parallel.expertTensor, expert: m.parallel.expert } });
    }
    // token_dispatcher.py:1564: ncclep sizes its receive buffer by moe_expert_rank_capacity_factor, required.
    if (backend === 'ncclep') out.push({ code: 'MOE8115', at: '/megatron/flex_backend', args: {} });
  }
  if (o.fsdp === 'torch') {
    const zero = m.parallel.zero;
    if (zero !== 3) {
      out.push({ code: 'MOE8107', at: '/megatron/fsdp', args: { why: `zero ${zero}: torch FSDP2 shards parameters, gradients and optimizer state (ZeRO-3); use zero 3, or fsdp megatron for zero 2` }, ...(zero < 2 ? { severity: 'warning' as const } : {}) });
    } else {
      // arguments.py:997–1013.
      if (m.parallel.pipeline > 1) out.push({ code: 'MOE8106', at: '/parallel/pipeline', args: { key: 'pipeline', value: m.parallel.pipeline } });
      if (m.moe && m.parallel.expert > 1) out.push({ code: 'MOE8106', at: '/parallel/expert', args: { key: 'expert', value: m.parallel.expert } });
      if (m.tieEmbeddings) out.push({ code: 'MOE8107', at: '/tie_embeddings', args: { why: 'Megatron-Core requires untied embeddings with torch FSDP2 (set tie_embeddings false, or use fsdp megatron)' } });
      if (m.train.precision === 'fp16') out.push({ code: 'MOE8107', at: '/train/precision', args: { why: 'Megatron-Core does not support fp16 with torch FSDP2 (use bf16, or fsdp megatron)' } });
    }
  }
  return out;
}

/** Megatron's batch rule (num_microbatches_calculator.py) with moec's defaults, where MOE3412/MOE3418 did not look. */
function checkBatch(ctx: CheckContext, m: MegatronModel): void {
  const spec = ctx.spec;
  if (spec.train?.batch !== undefined && spec.parallel?.micro_batch !== undefined) return;
  const per = m.parallel.microBatch * m.parallel.data;
  if (!Number.isInteger(per) || m.train.batch % per === 0) return;
  ctx.report('MOE3418', '/train/batch', {
    args: { batch: m.train.batch, micro_batch: m.parallel.microBatch, data: m.parallel.data, per },
    hint: `Megatron needs whole micro-batches per data-parallel rank: set train.batch to a multiple of ${per}`,
  });
}

/**
 * The interleaved schedule (virtual stages) takes micro-batches in groups of
 * microbatch_group_size_per_vp_stage, which defaults to the pipeline size
 * (model_parallel_config.py:567), and raises when there are fewer micro-batches than that or the
 * last group is short (schedules.py:1134–1153, forward_backward_pipelining_with_interleaving):
 * only after the process groups are up, at the first step.
 */
function checkInterleaved(ctx: CheckContext, m: MegatronModel): void {
  const pp = m.parallel.pipeline;
  const v = virtualStages(m);
  if (v === 1) return;
  const per = m.parallel.microBatch * m.parallel.data;
  const microbatches = m.train.batch / per;
  if (!Number.isInteger(microbatches) || microbatches % pp === 0) return; // MOE3412/MOE3418 report a fraction
  ctx.report('MOE8112', ctx.spec.train?.batch !== undefined ? '/train/batch' : '/parallel/virtual_stages', {
    args: { virtual: v, pipeline: pp, batch: m.train.batch, micro_batch: m.parallel.microBatch, data: m.parallel.data, microbatches },
    hint: `use a train.batch that is a multiple of ${pp * per} (pipeline × micro_batch × data), or remove virtual_stages`,
    related: [{ at: '/parallel/virtual_stages', message: `virtual_stages ${v} is set here` }],
  });
}

/**
 * OptimizerParamScheduler.__init__ asserts lr_warmup_steps < lr_decay_steps
 * (optimizer_param_scheduler.py:160; both are the iterations × global batch, training.py:1914–1922),
 * for every --lr-decay-style, constant included. moec only warns (MOE3606) or, past the run, errs (MOE3601).
 */
function checkSchedule(ctx: CheckContext, m: MegatronModel): void {
  const { warmup, decaySteps } = m.train.schedule;
  if (warmup === 0 || warmup < decaySteps || warmup > m.train.steps) return; // warmup > steps: MOE3601 already
  ctx.report('MOE8113', '/train/schedule/warmup', {
    args: { warmup, decay_steps: decaySteps },
    related:
      ctx.spec.train?.schedule?.decay_steps !== undefined
        ? [{ at: '/train/schedule/decay_steps', message: `decay_steps ${decaySteps} is set here` }]
        : ctx.spec.train?.steps !== undefined
          ? [{ at: '/train/steps', message: `without decay_steps the decay runs over train.steps ${decaySteps}` }]
          : [],
  });
}

export function checkMegatronLaunch(ctx: CheckContext, m: MegatronModel): void {
  checkRouterLaunch(ctx, m);
  checkSchedule(ctx, m);
  checkInterleaved(ctx, m);
  checkPositions(ctx, m);
  checkFsdp(ctx, m);
  checkBatch(ctx, m);
  for (const p of launchSettingProblems(m, ctx.spec.megatron)) ctx.report(p.code, p.at, { args: p.args, ...(p.severity ? { severity: p.severity } : {}) });
}
