/**
 * The glm4_moe bridge (GLM-4.5 / GLM-4.5-Air) beyond the golden fixture (golden-parity.test.ts,
 * round-trip.test.ts run it): GLM-4.5-Air's published config.json (test/fixtures/hf-configs/,
 * source in its README) imports and counts as Z.ai publishes it (106 B total, 12 B active), and
 * each glm4_moe field is read as Glm4MoeAttention / Glm4MoeMoE compute it (modeling_glm4_moe.py
 * @ 000c33fd) or refused with a diagnostic.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { countParams } from '../../../src/analysis/params.js';
import { exportConfig } from '../../../src/interop/hf/export-config.js';
import { importConfig, importConfigObject } from '../../../src/interop/hf/import-config.js';

const AIR = 'test/fixtures/hf-configs/zai-org--GLM-4.5-Air';
const TINY = {
  model_type: 'glm4_moe', vocab_size: 64, hidden_size: 32, intermediate_size: 48, moe_intermediate_size: 8, num_hidden_layers: 2,
  num_attention_heads: 4, num_key_value_heads: 2, head_dim: 16, n_routed_experts: 8, num_experts_per_tok: 2, max_position_embeddings: 256,
};
const imp = (config: Record<string, unknown>) => importConfigObject('config.json', config as never);
const codes = (config: Record<string, unknown>) => imp(config).diagnostics.map((d) => `${d.code} ${d.message}`);

describe('glm4_moe (GLM-4.5)', () => {
  it('GLM-4.5-Air config.json imports: 106.85 B parameters, 12.80 B active per token without the input embedding', () => {
    const r = importConfig(AIR);
    expect(r.diagnostics.filter((d) => d.severity !== 'info')).toEqual([]);
    const ir = r.value!.ir;
    const a = ir.layers[1]!.attention;
    expect(a).toMatchObject({ kind: 'gqa', heads: 96, kvHeads: 8, headDim: 128, qkvBias: true, outBias: false, qkNorm: 'none', rope: { dim: 64, theta: 1e6 } });
    expect(ir.layers[0]!.ffn.kind).toBe('dense');
    expect(ir.layers[1]!.ffn).toMatchObject({ kind: 'moe', experts: 128, router: { topK: 8, score: 'sigmoid', normTopK: true, scaling: 1, groups: 1 }, shared: { count: 1, ffn: 1408 } });
    expect(ir.mtpDepth).toBe(1);
    const c = countParams(ir);
    expect(c.total).toBe(106_852_251_264); // Z.ai: 106 B
    expect(c.activeExcludingInputEmbedding).toBe(12_803_372_672); // Z.ai: 12 B
    expect(c.nonEmbedding.active).toBe(12_182_615_680);
    expect(c.mtp.total).toBe(2_375_059_584);
  });

  it('GLM-4.5 (Air with the GLM-4.5 sizes of slime glm4.5-355B-A32B.sh): 352.8 B + 4.0 B MTP, 32.9 B active (Z.ai: 355 B / 32 B)', () => {
    const air = JSON.parse(readFileSync(`${AIR}/config.json`, 'utf8')) as Record<string, unknown>;
    const big = { ...air, hidden_size: 5120, intermediate_size: 12288, num_hidden_layers: 92, first_k_dense_replace: 3, n_routed_experts: 160, moe_intermediate_size: 1536, routed_scaling_factor: 2.5, use_qk_norm: true };
    const r = imp(big);
    expect(r.diagnostics.filter((d) => d.severity !== 'info')).toEqual([]);
    expect(r.value!.ir.layers[3]!.attention.qkNorm).toBe('head');
    const c = countParams(r.value!.ir);
    expect(c.total).toBe(352_797_829_024);
    expect(c.mtp.total).toBe(3_988_069_792);
    expect(c.activeExcludingInputEmbedding).toBe(32_856_319_904);
  });

  it('reads partial_rotary_factor at the top level, in v5 rope_parameters, or as the class default 0.5', () => {
    expect(imp(TINY).value!.ir.layers[0]!.attention.rope.dim).toBe(8);
    expect(imp({ ...TINY, partial_rotary_factor: 0.25 }).value!.ir.layers[0]!.attention.rope.dim).toBe(4);
    expect(imp({ ...TINY, rope_parameters: { rope_type: 'default', rope_theta: 1e6, partial_rotary_factor: 1.0 } }).value!.ir.layers[0]!.attention.rope.dim).toBe(16);
  });

  it('use_qk_norm gives per-head q/k norms; attention_bias gives q/k/v biases and no o_proj bias', () => {
    const a = imp({ ...TINY, use_qk_norm: true, attention_bias: true }).value!.ir.layers[0]!.attention;
    expect(a).toMatchObject({ qkNorm: 'head', qkvBias: true, outBias: false });
  });

  it('refuses what moec cannot compute, with the field named', () => {
    expect(codes({ ...TINY, head_dim: 10 })).toContainEqual(expect.stringMatching(/^MOE7003 .*`partial_rotary_factor` 0.5.*int\(10 × 0.5\) = 5/));
    expect(codes({ ...TINY, partial_rotary_factor: 1.5 })).toContainEqual(expect.stringMatching(/^MOE7002 .*`partial_rotary_factor`/));
  });

  it('exports the same fields back, without DeepSeek remote-code extras, and refuses an o_proj bias', () => {
    const ir = importConfig(AIR).value!.ir;
    const out = exportConfig(ir, { modelType: 'glm4_moe', dtype: 'bf16' });
    expect(out.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const cfg = JSON.parse(out.value!.text) as Record<string, unknown>;
    expect(cfg).toMatchObject({ model_type: 'glm4_moe', partial_rotary_factor: 0.5, attention_bias: true, use_qk_norm: false, first_k_dense_replace: 1, n_routed_experts: 128, num_nextn_predict_layers: 1, n_group: 1 });
    expect(cfg).not.toHaveProperty('topk_method');
    expect(cfg).not.toHaveProperty('moe_layer_freq');
    const biased = { ...ir, layers: ir.layers.map((l) => ({ ...l, attention: { ...l.attention, outBias: true } })) };
    expect(exportConfig(biased, { modelType: 'glm4_moe' }).diagnostics.map((d) => d.message).join(' ')).toMatch(/o_proj has no bias/);
  });
});
