/**
 * Semantic rules for weight quantization: a block size must divide the input (reduction)
 * dimension of every linear in its group; int4 needs fine-grained scales; options must match
 * the granularity and dtype; a group must name tensors the model has. Norms and biases always
 * stay fp32 (src/ir/), so no group can quantize them.
 */
import type { ModelSpec, QuantGroupSpec, QuantizeSpec } from '../../spec/types.js';
import type { Check, CheckContext } from './context.js';
import { ffnLayout } from './layer-sets.js';

type Group = Exclude<keyof QuantizeSpec, 'default' | 'activations'>;
const GROUPS: Group[] = ['embeddings', 'attention', 'dense', 'experts', 'shared', 'router', 'lm_head'];
const INT = new Set(['int8', 'int4']);

/** The input dimensions of each group's linears: [name of the dimension, size, tensors]. */
function inputDims(spec: ModelSpec, group: Group): [string, number, string][] {
  const h: [string, number, string] = ['hidden', spec.hidden, ''];
  const a = spec.attention;
  switch (group) {
    case 'embeddings':
      return [['hidden', spec.hidden, 'the embedding rows']];
    case 'lm_head':
      return [['hidden', spec.hidden, 'lm_head']];
    case 'router':
      return [['hidden', spec.hidden, 'the router']];
    case 'attention': {
      if (a.mla) {
        const dims: [string, number, string][] = [['hidden', spec.hidden, 'the q/kv down-projections'], ['mla.kv_lora_rank', a.mla.kv_lora_rank, 'kv_b_proj']];
        if (a.mla.q_lora_rank) dims.push(['mla.q_lora_rank', a.mla.q_lora_rank, 'q_b_proj']);
        dims.push(['heads × v_head_dim', a.heads * a.mla.v_head_dim, 'o_proj']);
        return dims;
      }
      const hd = a.head_dim ?? spec.hidden / a.heads;
      return [['hidden', spec.hidden, 'q/k/v_proj'], ['heads × head_dim', a.heads * hd, 'o_proj']];
    }
    case 'dense':
      return spec.dense ? [[h[0], h[1], 'the dense gate/up_proj'], ['dense.ffn', spec.dense.ffn, 'the dense down_proj']] : [];
    case 'experts':
      return spec.moe ? [[h[0], h[1], 'the expert gate/up_proj'], ['moe.experts.ffn', spec.moe.experts.ffn, 'the expert down_proj']] : [];
    case 'shared': {
      const s = spec.moe?.shared;
      return s ? [[h[0], h[1], 'the shared gate/up_proj'], ['shared count × ffn', s.count * s.ffn, 'the shared down_proj']] : [];
    }
  }
}

/** Why a group names no tensor in this model, if it names none. */
function emptyGroup(spec: ModelSpec, group: Group): string | undefined {
  if (group === 'dense' && ffnLayout(spec).dense.size === 0) return 'the model has no dense FFN layers';
  if ((group === 'experts' || group === 'router') && !spec.moe) return 'the model has no moe block';
  if (group === 'shared' && !spec.moe?.shared) return 'the model has no shared experts';
  if (group === 'lm_head' && spec.tie_embeddings) return 'tie_embeddings uses the embedding matrix as lm_head; quantize embeddings instead';
  return undefined;
}

function checkGroupOptions(ctx: CheckContext, name: string, q: QuantGroupSpec): void {
  const at = `/quantize/${name}`;
  if (!INT.has(q.dtype)) {
    for (const key of ['granularity', 'block', 'symmetric'] as const) {
      if (q[key] !== undefined) ctx.report('MOE3509', `${at}/${key}`, { args: { group: name, key, dtype: q.dtype }, hint: `remove ${key}` });
    }
    return;
  }
  if (q.block !== undefined && q.granularity !== undefined && q.granularity !== 'block') {
    ctx.report('MOE3503', `${at}/block`, { args: { group: name, granularity: q.granularity }, hint: 'remove granularity (block implies it) or remove block' });
  }
  if (q.granularity === 'block' && q.block === undefined) {
    ctx.report('MOE3504', `${at}/granularity`, { args: { group: name }, hint: 'add `block 32` (or 64, 128)' });
  }
  if (q.dtype === 'int4' && q.granularity === 'tensor') {
    ctx.report('MOE3502', `${at}/granularity`, { args: { group: name, dtype: q.dtype }, hint: 'use `granularity channel`, or `block 32`' });
  }
}

export const checkQuantize: Check = (ctx) => {
  const { spec } = ctx;
  const qz = spec.quantize;
  if (!qz) return;
  for (const name of Object.keys(qz) as (keyof QuantizeSpec)[]) checkGroupOptions(ctx, name, qz[name]!);

  if (qz.activations?.dtype === 'int4') ctx.report('MOE3506', '/quantize/activations/dtype', { hint: 'use int8, fp16 or bf16' });

  for (const group of GROUPS) {
    const own = qz[group];
    const q = own ?? qz.default;
    if (!q) continue;
    const at = own ? `/quantize/${group}` : '/quantize/default';
    const empty = emptyGroup(spec, group);
    if (own && empty) {
      const conflict = group === 'lm_head' && qz.embeddings && qz.embeddings.dtype !== own.dtype;
      if (conflict) ctx.report('MOE3508', at, { args: { embeddings: qz.embeddings!.dtype, lm_head: own.dtype }, hint: 'remove quantize.lm_head; quantize.embeddings covers both' });
      else ctx.report('MOE3507', at, { args: { group, why: empty }, hint: `remove quantize.${group}` });
      continue;
    }
    if (empty) continue;
    if (q.block !== undefined && INT.has(q.dtype) && (q.granularity ?? 'block') === 'block') {
      for (const [dimName, dim, tensors] of inputDims(spec, group)) {
        if (dim % q.block === 0) continue;
        ctx.report('MOE3501', `${at}/block`, {
          args: { group: own ? group : 'default', block: q.block, dim_name: dimName, dim, tensors },
          hint: `use a block size dividing ${dim}`,
        });
        break;
      }
    }
    if (group === 'router' && INT.has(q.dtype)) {
      ctx.report('MOE3505', at, { args: { group: own ? group : 'default', dtype: q.dtype }, hint: own ? 'remove quantize.router' : 'add `router bf16` to the quantize block (`router=bf16` with --quantize) to keep the router in higher precision' });
    }
  }
};
