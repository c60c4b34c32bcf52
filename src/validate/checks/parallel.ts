/**
 * Semantic rules for the distributed layout, as Megatron-Core and DeepSpeed enforce them:
 * degrees multiply to the world size; experts split over expert parallelism; heads, FFN
 * widths and vocab split over tensor parallelism; layers split over pipeline stages; expert
 * parallelism folds into the data × tensor × context ranks of a pipeline stage.
 */
import type { Check, CheckContext } from './context.js';
import { degrees, roundUp, trainSeqLen } from './derive.js';
import { ffnLayout } from './layer-sets.js';

function checkTensorSplits(ctx: CheckContext, tensor: number): void {
  const { spec } = ctx;
  const split = (at: string, what: string, value: number, hint: string) => {
    if (value % tensor !== 0) ctx.report('MOE3404', at, { args: { what, value, degree_key: 'tensor', degree: tensor }, hint, related: [{ at: '/parallel/tensor', message: `tensor ${tensor} is set here` }] });
  };
  const a = spec.attention;
  split('/attention/heads', 'attention.heads', a.heads, `each tensor rank holds heads ÷ tensor heads; use a tensor degree dividing ${a.heads}`);
  if (!a.mla) {
    const kv = a.kv_heads ?? a.heads;
    if (kv < tensor && tensor % kv === 0) {
      ctx.report('MOE3405', '/attention/kv_heads', {
        args: { kv_heads: kv, tensor, copies: tensor / kv },
        hint: 'this costs memory and bandwidth (Megatron-Core accepts it: query groups may be a multiple or a divisor of tensor, transformer_config.py:1338); raise kv_heads or lower tensor',
      });
    } else if (kv % tensor !== 0) {
      split(a.kv_heads !== undefined ? '/attention/kv_heads' : '/attention/heads', 'attention.kv_heads', kv, `use kv_heads that is a multiple of tensor ${tensor}, or a divisor of it`);
    }
  }
  if (spec.dense) split('/dense/ffn', 'dense.ffn', spec.dense.ffn, `use a multiple of ${tensor}, e.g. ${roundUp(spec.dense.ffn, tensor)}`);
  if (spec.moe?.shared) {
    const width = spec.moe.shared.count * spec.moe.shared.ffn;
    split('/moe/shared/ffn', 'the shared experts\' fused width count × ffn', width, `use a width that is a multiple of ${tensor}`);
  }
  split('/vocab', 'vocab', spec.vocab, `pad the vocabulary to ${roundUp(spec.vocab, tensor * 128)} (Megatron pads to a multiple of 128 × tensor)`);
}

export const checkParallel: Check = (ctx) => {
  const { spec } = ctx;
  const p = spec.parallel;
  if (!p) return;
  const d = degrees(spec);

  if (p.world !== undefined) {
    const model = d.tensor * d.pipeline * d.context;
    if (p.data !== undefined && p.data * model !== p.world) {
      ctx.report('MOE3406', '/parallel/world', {
        args: { data: p.data, tensor: d.tensor, pipeline: d.pipeline, context: d.context, product: p.data * model, world: p.world },
        hint: p.world % model === 0 ? `set data ${p.world / model}, or remove data to derive it` : 'make the degrees multiply to world',
      });
    } else if (p.data === undefined && p.world % model !== 0) {
      ctx.report('MOE3407', '/parallel/world', { args: { world: p.world, tensor: d.tensor, pipeline: d.pipeline, context: d.context, product: model }, hint: `use a world that is a multiple of ${model}` });
    }
  }

  if (d.tensor > 1) checkTensorSplits(ctx, d.tensor);

  const { moe: moeLayers } = ffnLayout(spec);
  if (spec.moe && moeLayers.size > 0) {
    const experts = spec.moe.experts.count;
    if (experts % d.expert !== 0) {
      ctx.report('MOE3401', '/parallel/expert', { args: { experts, expert: d.expert }, hint: `each expert-parallel rank holds experts ÷ expert experts; use a divisor of ${experts}` });
    }
    if (d.expertTensor > 1 && spec.moe.experts.ffn % d.expertTensor !== 0) {
      ctx.report('MOE3404', '/moe/experts/ffn', { args: { what: 'moe.experts.ffn', value: spec.moe.experts.ffn, degree_key: 'expert_tensor', degree: d.expertTensor }, hint: `use a multiple of ${d.expertTensor}` });
    }
    if (d.data !== undefined) {
      const ranks = d.data * d.tensor * d.context;
      const product = d.expert * d.expertTensor;
      if (ranks % product !== 0) {
        ctx.report('MOE3408', p.expert !== undefined ? '/parallel/expert' : '/parallel/expert_tensor', {
          args: { expert: d.expert, expert_tensor: d.expertTensor, product, data: d.data, tensor: d.tensor, context: d.context, ranks },
          hint: 'Megatron-Core folds each pipeline stage\'s data × tensor × context ranks into expert_data × expert × expert_tensor; choose expert × expert_tensor dividing ' + ranks,
        });
      }
    }
    if (d.expert > 1 && d.tensor > 1 && !p.sequence_parallel) {
      ctx.report('MOE3411', '/parallel/expert', { args: { expert: d.expert, tensor: d.tensor }, hint: 'add `sequence_parallel true`' });
    }
  } else {
    for (const key of ['expert', 'expert_tensor'] as const) {
      if ((p[key] ?? 1) > 1) ctx.report('MOE3417', `/parallel/${key}`, { args: { key, value: p[key]! }, hint: `remove parallel.${key}` });
    }
  }

  const stages = d.pipeline * d.virtual;
  if (stages > spec.layers) {
    ctx.report('MOE3403', p.virtual_stages !== undefined ? '/parallel/virtual_stages' : '/parallel/pipeline', { args: { pipeline: d.pipeline, virtual: d.virtual, stages, layers: spec.layers }, hint: `use at most ${spec.layers} stages` });
  } else if (spec.layers % stages !== 0 && ctx.targets.has('megatron')) {
    // Megatron-only: it is the engine that runs this layout, and it refuses `layers % PP ≠ 0`
    // unless given an explicit layout (megatron/training/arguments.py, INTEROP-NOTES S5). For
    // other targets the split is informational: `moec explain` prints every stage's layers.
    const low = Math.floor(spec.layers / stages);
    ctx.report('MOE3402', '/parallel/pipeline', {
      args: { layers: spec.layers, pipeline: d.pipeline, virtual: d.virtual, stages, low, high: low + 1 },
      hint: ctx.targets.has('megatron')
        ? `the slowest stage sets the pace; choose a stage count dividing ${spec.layers}, or keep the split: the Megatron launch states it with --pipeline-model-parallel-layout`
        : `the slowest stage sets the pace; choose a stage count dividing ${spec.layers}, or (Megatron-Core) give the first/last stage fewer layers with --decoder-first-pipeline-num-layers`,
    });
  }
  if (d.virtual > 1 && d.pipeline === 1) ctx.report('MOE3413', '/parallel/virtual_stages', { args: { virtual: d.virtual }, hint: 'remove virtual_stages, or use pipeline > 1' });

  const zero = p.zero ?? 0;
  if (zero === 3 && d.pipeline > 1) ctx.report('MOE3409', '/parallel/zero', { args: { pipeline: d.pipeline }, hint: 'use zero 1 (DeepSpeed\'s pipeline engine supports stages 0 and 1), or pipeline 1' });
  if (zero > 0 && d.data === 1) ctx.report('MOE3416', '/parallel/zero', { args: { zero }, hint: 'remove zero, or add data parallelism' });
  if (p.sequence_parallel && d.tensor === 1) ctx.report('MOE3410', '/parallel/sequence_parallel', { hint: 'remove sequence_parallel, or use tensor > 1' });

  const seq = trainSeqLen(spec);
  const seqAt = spec.train?.seq_len !== undefined ? '/train/seq_len' : '/context';
  if (d.context > 1 && seq % (2 * d.context) !== 0) {
    ctx.report('MOE3414', seqAt, { args: { seq_len: seq, context: d.context, chunks: 2 * d.context }, hint: `use a sequence length that is a multiple of ${2 * d.context}` });
  }
  if (p.sequence_parallel && d.tensor > 1 && seq % d.tensor !== 0) {
    ctx.report('MOE3415', seqAt, { args: { seq_len: seq, tensor: d.tensor }, hint: `use a sequence length that is a multiple of ${d.tensor}` });
  }

  // Megatron-Core: global batch = micro_batch × data × (number of micro-batches). With
  // grad_accum written, the product must match; without it, grad_accum is implied and the
  // batch must split into whole micro-batches per data-parallel rank.
  const batch = spec.train?.batch;
  if (batch !== undefined && p.micro_batch !== undefined && d.data !== undefined) {
    const per = p.micro_batch * d.data;
    const ga = spec.train?.grad_accum;
    const related = [{ at: '/parallel/micro_batch', message: `micro_batch ${p.micro_batch} is set here` }];
    const fix = batch % per === 0 ? `set train.grad_accum ${batch / per}, or remove it to derive it` : `use a batch that is a multiple of micro_batch × data = ${per}`;
    if (ga !== undefined && per * ga !== batch) {
      ctx.report('MOE3412', '/train/batch', { args: { micro_batch: p.micro_batch, data: d.data, grad_accum: ga, product: per * ga, batch }, hint: fix, related });
    } else if (ga === undefined && batch % per !== 0) {
      ctx.report('MOE3418', '/train/batch', { args: { batch, micro_batch: p.micro_batch, data: d.data, per }, hint: fix, related });
    }
  }
};
