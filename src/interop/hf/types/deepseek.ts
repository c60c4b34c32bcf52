/**
 * HF bridge — `deepseek_v2` and `deepseek_v3` (DeepseekV2ForCausalLM, DeepseekV3ForCausalLM).
 * Read: deepseek_v3/modular_deepseek_v3.py @ 000c33fd (v5: sigmoid router with
 * e_score_correction_bias, top-2-sum groups, q_proj when q_lora_rank is null, interleaved rope
 * when rope_interleave, softmax scale × mscale(factor, mscale_all_dim)² under YaRN),
 * configuration_deepseek_v3.py @ 001f85b3; deepseek_v2/modeling_deepseek_v2.py @ 0233e509 and
 * modular_deepseek_v2.py @ 000c33fd (softmax, topk_method greedy | group_limited_greedy,
 * complex-number rope on interleaved pairs; the native class applies no mscale² under YaRN and
 * never renormalises — DeepSeek's own modeling_deepseek.py does both, and moec follows it:
 * the importer says so with MOE7006).
 */
import type { Json } from '../config-reader.js';
import { attentionCodec } from '../codecs/attention.js';
import { ffnCodec } from '../codecs/ffn.js';
import { mlaCodec } from '../codecs/mla.js';
import { mtpCodec, noMtpCodec } from '../codecs/mtp.js';
import { ropeCodec } from '../codecs/rope.js';
import { routerCodec } from '../codecs/router.js';
import { deepseekSharedCodec } from '../codecs/shared.js';
import { shapeCodec } from '../codecs/shape.js';
import { v2YarnCodec } from '../codecs/deepseek-v2-yarn.js';
import { BASE_ROWS, SCORE_BIAS_ROWS, DEEPSEEK_SHARED_ROWS, DENSE_ROWS, EXPERT_ROWS, GATE_ROWS, MLA_ROWS, MTP_ROWS } from '../keys/tables.js';
import type { HfModelType } from '../model-type.js';

const COMMON_DEFAULTS: Record<string, Json> = {
  hidden_act: 'silu', rms_norm_eps: 1e-6, tie_word_embeddings: false, attention_bias: false,
  rope_theta: null, rope_scaling: null, rope_parameters: null,
};

export const deepseekV3: HfModelType = {
  modelType: 'deepseek_v3',
  architecture: 'DeepseekV3ForCausalLM',
  source: 'deepseek_v3/modular_deepseek_v3.py @ 000c33fd, modeling_deepseek_v3.py @ f5a9ec51, configuration_deepseek_v3.py @ 001f85b3',
  defaults: {
    ...COMMON_DEFAULTS,
    vocab_size: 129280, hidden_size: 7168, intermediate_size: 18432, moe_intermediate_size: 2048, num_hidden_layers: 61,
    num_attention_heads: 128, num_key_value_heads: 128, n_shared_experts: 1, n_routed_experts: 256,
    routed_scaling_factor: 2.5, kv_lora_rank: 512, q_lora_rank: 1536, qk_rope_head_dim: 64, v_head_dim: 128,
    qk_nope_head_dim: 128, n_group: 8, topk_group: 4, num_experts_per_tok: 8, first_k_dense_replace: 3,
    norm_topk_prob: true, max_position_embeddings: 4096, rope_interleave: true,
  },
  aliases: { num_local_experts: 'n_routed_experts' }, // configuration_deepseek_v3.py @ 001f85b3 attribute_map
  codecs: [
    shapeCodec('mla'),
    ropeCodec({ defaultTheta: 10000 }),
    attentionCodec({ bias: 'mla', qkNorm: 'none', window: 'none' }),
    mlaCodec,
    ffnCodec({ layout: 'deepseek', experts: 'n_routed_experts', expertFfn: 'moe_intermediate_size', activation: 'hidden_act' }),
    deepseekSharedCodec,
    routerCodec('deepseek_v3', { score: 'sigmoid', normTopK: 'field', groups: 'v3', scaling: true, scoreBias: true }),
    mtpCodec,
  ],
  keys: () => [...BASE_ROWS, ...MLA_ROWS, ...DENSE_ROWS, ...GATE_ROWS, ...SCORE_BIAS_ROWS, ...EXPERT_ROWS, ...DEEPSEEK_SHARED_ROWS, ...MTP_ROWS],
  keyOptions: (config) => ({ ropeInterleave: config.rope_interleave !== false }),
};

export const deepseekV2: HfModelType = {
  modelType: 'deepseek_v2',
  architecture: 'DeepseekV2ForCausalLM',
  source: 'deepseek_v2/modeling_deepseek_v2.py @ 0233e509, modular_deepseek_v2.py @ 000c33fd',
  defaults: {
    ...COMMON_DEFAULTS,
    vocab_size: 32000, hidden_size: 4096, intermediate_size: 11008, num_hidden_layers: 32, num_attention_heads: 32,
    num_key_value_heads: null, max_position_embeddings: 2048, mlp_bias: false, first_k_dense_replace: 0,
    kv_lora_rank: 512, q_lora_rank: 1536, n_group: null, n_routed_experts: 64, n_shared_experts: 2,
    qk_nope_head_dim: 128, qk_rope_head_dim: 64, routed_scaling_factor: 1.0, topk_group: null, topk_method: 'greedy',
    norm_topk_prob: false, v_head_dim: 128, num_experts_per_tok: null, moe_intermediate_size: 1407,
  },
  aliases: { num_experts: 'n_routed_experts' }, // configuration_deepseek_v2.py @ 008e5743 attribute_map
  codecs: [
    shapeCodec('mla'),
    ropeCodec({ defaultTheta: 10000 }),
    v2YarnCodec,
    attentionCodec({ bias: 'mla', qkNorm: 'none', window: 'none' }),
    mlaCodec,
    ffnCodec({ layout: 'deepseek', experts: 'n_routed_experts', expertFfn: 'moe_intermediate_size', activation: 'hidden_act' }),
    deepseekSharedCodec,
    routerCodec('deepseek_v2', { score: 'softmax', normTopK: 'deepseek_v2', groups: 'v2', scaling: true }),
    noMtpCodec,
  ],
  // V2 rotates interleaved pairs as complex numbers: always the interleaved layout.
  keys: () => [...BASE_ROWS, ...MLA_ROWS, ...DENSE_ROWS, ...GATE_ROWS, ...EXPERT_ROWS, ...DEEPSEEK_SHARED_ROWS],
  keyOptions: () => ({ ropeInterleave: true }),
};
