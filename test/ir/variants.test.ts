import { describe, expect, it } from 'vitest';
import { buildIR } from '../../src/ir/build-ir.js';
import { assignStages, chunkSizes } from '../../src/ir/stages.js';
import { ffnLayout, formatLayerSet, resolveLayerSelection } from '../../src/ir/layer-selection.js';
import type { ModelSpec } from '../../src/spec/types.js';
import { deepseekV3Spec, tinySpec } from './fixtures.js';

const names = (spec: ModelSpec, layer = 0): string[] =>
  buildIR(spec)
    .value.tensors.filter((t) => t.layer === layer && !t.mtp)
    .map((t) => `${t.name.replace(`layers.${layer}.`, '')} [${t.shape.join(',')}]`);

describe('layer selections', () => {
  it('resolves all, none, ranges and lists', () => {
    expect(resolveLayerSelection('all', 3).layers).toEqual([0, 1, 2]);
    expect(resolveLayerSelection('none', 3).layers).toEqual([]);
    expect(resolveLayerSelection('1..2', 4).layers).toEqual([1, 2]);
    expect(resolveLayerSelection([0, '3..5', 3], 8).layers).toEqual([0, 3, 4, 5]);
  });
  it('reports malformed, reversed and out-of-range items', () => {
    expect(resolveLayerSelection([9, '3..1', 'x'], 8).problems.map((p) => [p.item, p.reason])).toEqual([
      [0, 'out-of-range'],
      [1, 'reversed'],
      [2, 'malformed'],
    ]);
  });
  it('keeps the existing part of a range that runs past the last layer (and reports it)', () => {
    const r = resolveLayerSelection('2..9', 4);
    expect(r.layers).toEqual([2, 3]);
    expect(r.problems.map((p) => p.reason)).toEqual(['out-of-range']);
  });
  it('lays out MoE and dense layers: explicit lists, defaults, every/offset', () => {
    const layout = (spec: Parameters<typeof ffnLayout>[0]) => {
      const l = ffnLayout(spec);
      return { moe: [...l.moe], dense: [...l.dense].sort((a, b) => a - b), skipped: [...l.skipped] };
    };
    const moe = { experts: { count: 4, ffn: 8 }, router: { top_k: 2 } };
    expect(layout({ layers: 4, dense: { ffn: 8, layers: '0..0' }, moe })).toEqual({ moe: [1, 2, 3], dense: [0], skipped: [] });
    expect(layout({ layers: 6, dense: { ffn: 8 }, moe: { ...moe, every: 2, offset: 1 } })).toEqual({ moe: [1, 3, 5], dense: [0, 2, 4], skipped: [0, 2, 4] });
    expect(layout({ layers: 3, moe })).toEqual({ moe: [0, 1, 2], dense: [], skipped: [] });
  });
  it('formats compactly', () => {
    expect(formatLayerSet([0, 1, 2, 5, 7, 8])).toBe('0..2, 5, 7..8');
  });
});

describe('tensor naming variants', () => {
  it('MLA with query compression (DeepSeek-V3 shapes)', () => {
    expect(names(deepseekV3Spec, 0)).toEqual([
      'input_norm.weight [7168]',
      'attn.q_a_proj.weight [7168,1536]',
      'attn.q_a_norm.weight [1536]',
      'attn.q_b_proj.weight [1536,24576]',
      'attn.kv_a_proj.weight [7168,576]',
      'attn.kv_a_norm.weight [512]',
      'attn.kv_b_proj.weight [512,32768]',
      'attn.o_proj.weight [16384,7168]',
      'post_attn_norm.weight [7168]',
      'mlp.gate_proj.weight [7168,18432]',
      'mlp.up_proj.weight [7168,18432]',
      'mlp.down_proj.weight [18432,7168]',
    ]);
  });
  it('MLA without query compression uses q_proj', () => {
    const spec = { ...deepseekV3Spec, attention: { heads: 2, mla: { kv_lora_rank: 8, qk_nope_head_dim: 4, qk_rope_head_dim: 2, v_head_dim: 4 } } };
    expect(names(spec, 0).slice(1, 3)).toEqual(['attn.q_proj.weight [7168,12]', 'attn.kv_a_proj.weight [7168,10]']);
  });
  it('V3 MoE layer: router, frozen score bias, 256 experts, fused shared expert', () => {
    const ir = buildIR(deepseekV3Spec).value;
    const l3 = ir.tensors.filter((t) => t.layer === 3 && !t.mtp);
    const bias = l3.find((t) => t.name === 'layers.3.moe.router.score_bias')!;
    expect(bias).toMatchObject({ shape: [256], trainable: false, group: 'router', init: { kind: 'zeros' } });
    expect(l3.filter((t) => t.group === 'experts')).toHaveLength(256 * 3);
    expect(l3.filter((t) => t.group === 'shared').map((t) => t.name)).toEqual([
      'layers.3.moe.shared.gate_proj.weight',
      'layers.3.moe.shared.up_proj.weight',
      'layers.3.moe.shared.down_proj.weight',
    ]);
  });
  it('V3 MTP module: enorm, hnorm, eh_proj, a full MoE layer, norm', () => {
    const ir = buildIR(deepseekV3Spec).value;
    const mtp = ir.tensors.filter((t) => t.mtp);
    expect(mtp.slice(0, 4).map((t) => `${t.name} [${t.shape.join(',')}]`)).toEqual([
      'mtp.0.enorm.weight [7168]',
      'mtp.0.hnorm.weight [7168]',
      'mtp.0.eh_proj.weight [14336,7168]',
      'mtp.0.layer.input_norm.weight [7168]',
    ]);
    expect(mtp.at(-1)!.name).toBe('mtp.0.norm.weight');
    expect(mtp.every((t) => t.layer === 61)).toBe(true);
    expect(ir.mtpLayers).toHaveLength(1);
    expect(ir.mtpLayers[0]).toMatchObject({ index: 61, stage: 15, ffn: { kind: 'moe', experts: 256 } });
    // MTP tensors come after the head
    expect(ir.tensors.findIndex((t) => t.mtp)).toBe(ir.tensors.findIndex((t) => t.name === 'lm_head.weight') + 1);
  });
  it('layernorm, biases, qk-norm, sinks, gelu, shared gate, router bias', () => {
    const spec: ModelSpec = {
      ...tinySpec,
      norm: { type: 'layernorm' },
      attention: { heads: 4, kv_heads: 1, qkv_bias: true, out_bias: true, qk_norm: true, sinks: true },
      moe: {
        experts: { count: 2, ffn: 8, activation: 'gelu', bias: true },
        shared: { count: 2, ffn: 4, gate: true },
        router: { top_k: 1, bias: true },
      },
    };
    expect(names(spec)).toEqual([
      'input_norm.weight [64]',
      'input_norm.bias [64]',
      'attn.q_proj.weight [64,64]',
      'attn.q_proj.bias [64]',
      'attn.k_proj.weight [64,16]',
      'attn.k_proj.bias [16]',
      'attn.v_proj.weight [64,16]',
      'attn.v_proj.bias [16]',
      'attn.o_proj.weight [64,64]',
      'attn.o_proj.bias [64]',
      'attn.q_norm.weight [16]',
      'attn.k_norm.weight [16]',
      'attn.sinks [4]',
      'post_attn_norm.weight [64]',
      'post_attn_norm.bias [64]',
      'moe.router.weight [64,2]',
      'moe.router.bias [2]',
      'moe.experts.0.up_proj.weight [64,8]',
      'moe.experts.0.up_proj.bias [8]',
      'moe.experts.0.down_proj.weight [8,64]',
      'moe.experts.0.down_proj.bias [64]',
      'moe.experts.1.up_proj.weight [64,8]',
      'moe.experts.1.up_proj.bias [8]',
      'moe.experts.1.down_proj.weight [8,64]',
      'moe.experts.1.down_proj.bias [64]',
      'moe.shared.up_proj.weight [64,8]',
      'moe.shared.up_proj.bias [8]',
      'moe.shared.down_proj.weight [8,64]',
      'moe.shared.down_proj.bias [64]',
      'moe.shared.gate.weight [64,1]',
    ]);
    expect(buildIR(spec).value.layers[0].attention.kind).toBe('mqa');
  });
  it('tied embeddings drop lm_head; quantized matrices, fp32 vectors', () => {
    const ir = buildIR({ ...tinySpec, tie_embeddings: true, quantize: { default: { dtype: 'int8' } } }).value;
    expect(ir.tensors.some((t) => t.name === 'lm_head.weight')).toBe(false);
    const by = new Map(ir.tensors.map((t) => [t.name, t]));
    expect(by.get('layers.0.attn.q_proj.weight')!.quant).toEqual({ dtype: 'int8', granularity: 'channel', symmetric: true });
    expect(by.get('norm.weight')!.quant.dtype).toBe('fp32');
  });
});

describe('layer kinds and stages', () => {
  it('every/offset thin the MoE layers; the rest are dense', () => {
    const ir = buildIR({ ...tinySpec, layers: 6, dense: { ffn: 32 }, moe: { ...tinySpec.moe!, every: 2, offset: 1 } }).value;
    expect(ir.layers.map((l) => l.ffn.kind)).toEqual(['dense', 'moe', 'dense', 'moe', 'dense', 'moe']);
  });
  it('window applies to window_layers only', () => {
    const ir = buildIR({ ...tinySpec, layers: 4, attention: { ...tinySpec.attention, window: 16, window_layers: [0, 2] } }).value;
    expect(ir.layers.map((l) => l.attention.window)).toEqual([16, undefined, 16, undefined]);
  });
  it('contiguous stages, extras first; interleaved chunks', () => {
    expect(chunkSizes(61, 16)).toEqual([...Array(13).fill(4), 3, 3, 3]);
    expect(assignStages(6, 3, 1)).toEqual([0, 0, 1, 1, 2, 2]);
    expect(assignStages(8, 2, 2)).toEqual([0, 0, 1, 1, 0, 0, 1, 1]);
    const ir = buildIR(deepseekV3Spec).value;
    expect(ir.layers.filter((l) => l.stage === 15).map((l) => l.index)).toEqual([58, 59, 60]);
    expect(ir.mtpLayers[0].stage).toBe(15);
  });
});

describe('resolution diagnostics', () => {
  const codes = (spec: ModelSpec): string[] => buildIR(spec).diagnostics.map((d) => d.code);
  it('a layer with no FFN', () => {
    expect(codes({ ...tinySpec, moe: { ...tinySpec.moe!, layers: '0..0' } })).toEqual(['MOE4003']);
  });
  it('a selection past the last layer', () => {
    expect(codes({ ...tinySpec, moe: { ...tinySpec.moe!, layers: '0..5' } })).toContain('MOE4001');
  });
  it('degrees that do not multiply, too many stages, experts over ranks, folding', () => {
    expect(codes({ ...tinySpec, parallel: { world: 8, data: 2 } })).toEqual(['MOE4004']);
    expect(codes({ ...tinySpec, parallel: { pipeline: 4 } })).toEqual(['MOE4005']);
    expect(codes({ ...tinySpec, parallel: { data: 3, expert: 3 } })).toEqual(['MOE4006']);
    expect(codes({ ...tinySpec, parallel: { data: 2, expert: 4 } })).toEqual(['MOE4007']);
  });
});
