/**
 * `moec import`'s config reader, field by field: the class defaults a config.json may leave out,
 * the v4 (`rope_theta` + `rope_scaling`) and v5 (`rope_parameters`) spellings read alike, and
 * every field it cannot express — or that transformers reads differently across versions, or
 * ignores — named in a diagnostic, never dropped. The printed spec is `moec fmt` clean and
 * resolves to the config's architecture.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importConfigObject } from '../../../src/interop/hf/import-config.js';
import { importSpec } from '../../../src/interop/hf/import-spec.js';
import { formatMoe } from '../../../src/fmt/format-moe.js';

const MIXTRAL = { model_type: 'mixtral', vocab_size: 64, hidden_size: 64, intermediate_size: 16, num_hidden_layers: 2, num_attention_heads: 8, num_local_experts: 4, num_experts_per_tok: 2, max_position_embeddings: 128 };
const QWEN3 = { ...MIXTRAL, model_type: 'qwen3_moe', num_local_experts: undefined, num_experts: 4, moe_intermediate_size: 16, num_key_value_heads: 2, head_dim: 16 };
const V3 = {
  model_type: 'deepseek_v3', vocab_size: 64, hidden_size: 32, intermediate_size: 48, moe_intermediate_size: 8, num_hidden_layers: 2, num_attention_heads: 4,
  num_key_value_heads: 4, n_routed_experts: 8, n_shared_experts: 1, num_experts_per_tok: 2, n_group: 1, topk_group: 1, first_k_dense_replace: 1,
  kv_lora_rank: 16, q_lora_rank: null, qk_nope_head_dim: 8, qk_rope_head_dim: 8, v_head_dim: 8, max_position_embeddings: 256,
};

const imp = (config: Record<string, unknown>) => importConfigObject('config.json', config as never);
const codes = (config: Record<string, unknown>) => imp(config).diagnostics.map((d) => `${d.code} ${d.message}`);

describe('moec import: a config.json becomes a spec', () => {
  it('applies the configuration class defaults for fields left out (MixtralConfig)', () => {
    const r = imp(MIXTRAL).value!;
    expect(r.spec.attention).toMatchObject({ heads: 8, kv_heads: 8, head_dim: 8, rope: { theta: 1e6 } });
    expect(r.spec.norm).toEqual({ type: 'rmsnorm', eps: 1e-5 });
    expect(r.ir.layers[0]!.attention.rope.theta).toBe(1e6);
  });

  it('reads v4 rope_theta + rope_scaling and v5 rope_parameters alike', () => {
    const v4 = imp({ ...QWEN3, rope_theta: 5e5, rope_scaling: { type: 'yarn', factor: 4, original_max_position_embeddings: 32 } }).value!.ir;
    const v5 = imp({ ...QWEN3, rope_parameters: { rope_type: 'yarn', rope_theta: 5e5, factor: 4.0, original_max_position_embeddings: 32 } }).value!.ir;
    expect(v5.architectureHash).toBe(v4.architectureHash);
    expect(v4.layers[0]!.attention.rope).toMatchObject({ theta: 5e5, scaling: 'yarn', factor: 4, yarn: { originalContext: 32, truncate: true } });
  });

  it('reads gpt_oss rope_scaling {} like null: v5 takes the class default YaRN (`rope_scaling or rope_parameters`), and says v4 differs', () => {
    const config = JSON.parse(readFileSync('test/fixtures/hf-configs/openai--gpt-oss-20b/config.json', 'utf8')) as Record<string, unknown>;
    const r = imp({ ...config, rope_scaling: {} });
    expect(r.value!.ir.layers[0]!.attention.rope).toMatchObject({ scaling: 'yarn', factor: 32 });
    expect(r.diagnostics.map((d) => d.message)).toContainEqual(expect.stringMatching(/`rope_scaling` \{\}: transformers v4 reads an explicit null or \{\} as no scaling/));
  });

  it('reads hidden_act by transformers ACT2FN: "swish" is SiLU, "gelu_python" the exact GELU', () => {
    expect(imp({ ...QWEN3, hidden_act: 'swish' }).value!.ir.architectureHash).toBe(imp(QWEN3).value!.ir.architectureHash);
    expect(imp({ ...QWEN3, hidden_act: 'gelu_python' }).value!.ir.architectureHash).toBe(imp({ ...QWEN3, hidden_act: 'gelu' }).value!.ir.architectureHash);
  });

  it('accounts for qk_head_dim, which DeepseekV3Config saves as qk_nope_head_dim + qk_rope_head_dim', () => {
    expect(codes({ ...V3, qk_head_dim: 16 })).toEqual([]);
    expect(codes({ ...V3, qk_head_dim: 24 })).toEqual([expect.stringMatching(/^MOE7002 .*`qk_head_dim` is 24; it must be qk_nope_head_dim \+ qk_rope_head_dim = 16/)]);
  });

  it('names a number beyond the double range as such, not as null', () => {
    const found = codes({ ...QWEN3, vocab_size: JSON.parse('1e400') as number });
    expect(found).toContainEqual(expect.stringMatching(/^MOE7002 .*`vocab_size` is Infinity \(a number beyond the double range\); it must be a whole number/));
    expect(found.join('\n')).not.toMatch(/is null/);
  });

  it('warns when architectures names a task class of the model_type rather than its causal LM (MOE7011)', () => {
    const head = (architectures: string[]) => codes({ ...QWEN3, architectures }).filter((c) => c.startsWith('MOE7011'));
    expect(head(['Qwen3MoeForCausalLM'])).toEqual([]);
    expect(head(['Qwen3MoeForSequenceClassification'])).toEqual([expect.stringMatching(/^MOE7011 .*"Qwen3MoeForSequenceClassification"; moec builds Qwen3MoeForCausalLM/)]);
  });

  it('lets a stated rope_scaling win over rope_parameters, as transformers v4 and v5 do (YaRN added to a v5-saved config)', () => {
    const r = imp({ ...QWEN3, rope_parameters: { rope_type: 'default', rope_theta: 5e5 }, rope_theta: 5e5, rope_scaling: { rope_type: 'yarn', factor: 4, original_max_position_embeddings: 32 } });
    expect(r.value!.ir.layers[0]!.attention.rope).toMatchObject({ theta: 5e5, scaling: 'yarn', factor: 4 });
    expect(r.diagnostics.map((d) => d.code)).toContain('MOE7004');
    expect(imp({ ...QWEN3, rope_scaling: {}, rope_parameters: { rope_type: 'linear', factor: 2, rope_theta: 5e5 } }).value!.ir.layers[0]!.attention.rope).toMatchObject({ scaling: 'linear', factor: 2 });
  });

  it.each([
    ['rope_scaling.rope_type', { ...MIXTRAL, rope_scaling: { rope_type: 'dynamic', factor: 2 } }, /rope_scaling\.rope_type` "dynamic" cannot be expressed/],
    ['partial_rotary_factor', { ...MIXTRAL, partial_rotary_factor: 0.5 }, /partial_rotary_factor` 0\.5 cannot be expressed/],
    ['hidden_act', { ...MIXTRAL, hidden_act: 'gelu_pytorch_tanh' }, /hidden_act` "gelu_pytorch_tanh" cannot be expressed/],
    ['use_sliding_window', { ...QWEN3, use_sliding_window: true }, /use_sliding_window` true cannot be expressed.*versions compute different functions/],
    ['attention_bias (MLA)', { ...V3, attention_bias: true }, /attention_bias` true cannot be expressed.*q_a_proj/],
    ['moe_layer_freq', { ...V3, moe_layer_freq: 2 }, /moe_layer_freq` 2 cannot be expressed/],
    ['head_dim (olmoe)', { ...MIXTRAL, model_type: 'olmoe', num_local_experts: undefined, num_experts: 4, head_dim: 16 }, /head_dim` 16 cannot be expressed.*hidden_size \/\/ num_attention_heads = 8/],
    ['mlp_bias (deepseek_v2)', { ...V3, model_type: 'deepseek_v2', mlp_bias: true }, /mlp_bias` true cannot be expressed/],
  ])('refuses %s with MOE7003 naming the field', (_what, config, message) => {
    const r = imp(config);
    expect(r.value).toBeUndefined();
    expect(r.diagnostics.map((d) => d.message)).toContainEqual(expect.stringMatching(message));
    expect(r.diagnostics.map((d) => d.code)).toContain('MOE7003');
  });

  it('warns about fields transformers ignores, unknown fields and version disagreements, and imports anyway', () => {
    expect(codes({ ...V3, scoring_func: 'softmax' })).toContainEqual(expect.stringMatching(/^MOE7004 .*scoring_func` "softmax" is ignored: transformers deepseek_v3 always scores with sigmoid/));
    expect(codes({ ...MIXTRAL, my_field: 3 })).toContainEqual(expect.stringMatching(/^MOE7005 .*`my_field` is not a field of transformers' mixtral configuration/));
    expect(codes({ ...V3, model_type: 'deepseek_v2', norm_topk_prob: true })).toContainEqual(expect.stringMatching(/^MOE7006 .*native deepseek_v2 never renormalises/));
    const gptOss = { ...MIXTRAL, model_type: 'gpt_oss', max_position_embeddings: 131072, rope_scaling: null, swiglu_limit: 5 };
    expect(codes(gptOss).filter((c) => c.startsWith('MOE7006'))).toHaveLength(2);
    expect(imp(gptOss).value!.ir.layers[0]!.attention.rope.scaling).toBe('yarn');
  });

  it('refuses what is not a config it can read: unknown or refused model_type, a missing required field, a wrong type', () => {
    expect(codes({ ...MIXTRAL, model_type: 'llama' })).toEqual([expect.stringMatching(/^MOE7001 .*model_type `llama` is not one moec maps/)]);
    expect(codes({ ...MIXTRAL, model_type: 'jetmoe' })).toEqual([expect.stringMatching(/^MOE7001 .*mixture of attention heads/)]);
    expect(codes({ ...V3, model_type: 'deepseek_v2', num_experts_per_tok: undefined })).toContainEqual(expect.stringMatching(/^MOE7007 .*`num_experts_per_tok` is missing/));
    expect(codes({ ...MIXTRAL, hidden_size: '32' })).toContainEqual(expect.stringMatching(/^MOE7002 .*`hidden_size` is "32"; it must be a whole number/));
    expect(codes({ ...MIXTRAL, num_local_experts: 2, num_experts_per_tok: 4 })).toContainEqual(expect.stringMatching(/^MOE7009 .*MOE3/));
  });

  it("reads a field under its transformers attribute_map alias (v5's qwen3_moe saves num_local_experts)", () => {
    const { num_experts: _, num_local_experts: __, ...qwen } = QWEN3;
    const v5 = imp({ ...qwen, num_local_experts: 6 });
    expect(v5.diagnostics.map((d) => d.code)).not.toContain('MOE7005');
    expect(v5.value!.ir.layers[0]!.ffn).toMatchObject({ kind: 'moe', experts: 6 });
    const { num_local_experts: ___, ...mixtral } = MIXTRAL;
    expect(imp({ ...mixtral, num_experts: 6 }).value!.ir.layers[0]!.ffn).toMatchObject({ experts: 6 });
    expect(imp({ ...V3, n_routed_experts: undefined, num_local_experts: 4 }).value!.ir.layers[1]!.ffn).toMatchObject({ experts: 4 });
    expect(codes({ ...QWEN3, num_local_experts: 8 })).toEqual([expect.stringMatching(/^MOE7002 .*`num_local_experts` is 8; it is transformers' other name for `num_experts`, which the file states as 4/)]);
  });

  it('prints a commented spec that is moec fmt clean and names each field', () => {
    const r = importSpec('test/fixtures/hf-configs/deepseek-ai--DeepSeek-V3', 'deepseek-v3.moe');
    const text = r.value!.text;
    expect(formatMoe(text, 'x.moe').output).toBe(text);
    expect(text).toMatch(/^\/\/ DeepSeek-V3: imported by `moec import`/);
    expect(text).toContain('//   quantization_config {"activation_scheme":"dynamic"');
    expect(text).toContain('    experts 256 { // n_routed_experts\n');
    expect(text).toContain('      group_score top2_sum // deepseek_v3: sum of the top 2 per group\n');
    expect(text).toContain('  mtp 1 // num_nextn_predict_layers');
  });

  it('keeps a line break in _name_or_path (free text) inside its header comment', () => {
    const dir = mkdtempSync(join(tmpdir(), 'moec-import-'));
    try {
      writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...QWEN3, _name_or_path: 'org/x\ny' }));
      const r = importSpec(dir, 'x.moe');
      expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      expect(r.value!.text).toMatch(/^\/\/ x\\u000ay: imported by `moec import`/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
