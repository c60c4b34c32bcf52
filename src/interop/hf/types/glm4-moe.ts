/**
 * HF bridge — `glm4_moe` (Glm4MoeForCausalLM: GLM-4.5, GLM-4.5-Air). Read:
 * modeling_glm4_moe.py @ 000c33fd (generated from modular_glm4_moe.py): Glm4MoeAttention (GQA,
 * `attention_bias` on q/k/v only, o_proj unbiased, per-head q_norm / k_norm when `use_qk_norm`,
 * partial rotary on the first int(head_dim · partial_rotary_factor) channels, rotate-half),
 * Glm4MoeTopkRouter (fp32 logits, float32 `e_score_correction_bias`), Glm4MoeMoE (DeepSeek-V3's
 * sigmoid routing: bias for the choice only, groups by top-2 sum, `norm_topk_prob`,
 * `routed_scaling_factor`; `n_shared_experts` × `moe_intermediate_size` shared MLP), dense
 * layers below `first_k_dense_replace`, `_keys_to_ignore_on_load_unexpected` model.layers.46/92
 * (the MTP layer of Air / GLM-4.5, `num_nextn_predict_layers`, stored as DeepSeek-V3 stores its
 * own). Defaults: configuration_glm4_moe.py as released in v4.55 and v5 (partial_rotary_factor
 * 0.5, n_group 1, routed_scaling_factor 1.0, first_k_dense_replace 1, use_qk_norm false).
 */
import { attentionCodec } from '../codecs/attention.js';
import { ffnCodec } from '../codecs/ffn.js';
import { noMlaCodec } from '../codecs/mla.js';
import { mtpCodec } from '../codecs/mtp.js';
import { ropeCodec } from '../codecs/rope.js';
import { routerCodec } from '../codecs/router.js';
import { deepseekSharedCodec } from '../codecs/shared.js';
import { shapeCodec } from '../codecs/shape.js';
import { ATTENTION_ROWS, BASE_ROWS, DEEPSEEK_SHARED_ROWS, DENSE_ROWS, EXPERT_ROWS, GATE_ROWS, MTP_ROWS, QKV_BIAS_ROWS, QK_NORM_ROWS, SCORE_BIAS_ROWS } from '../keys/tables.js';
import type { HfModelType } from '../model-type.js';

export const glm4Moe: HfModelType = {
  modelType: 'glm4_moe',
  architecture: 'Glm4MoeForCausalLM',
  source: 'glm4_moe/modeling_glm4_moe.py @ 000c33fd, configuration_glm4_moe.py (v4.55 / v5 defaults)',
  defaults: {
    vocab_size: 151552, hidden_size: 4096, intermediate_size: 10944, num_hidden_layers: 46, num_attention_heads: 96,
    num_key_value_heads: 8, hidden_act: 'silu', max_position_embeddings: 131072, rms_norm_eps: 1e-5,
    tie_word_embeddings: false, attention_bias: false, moe_intermediate_size: 1408, num_experts_per_tok: 8,
    n_shared_experts: 1, n_routed_experts: 128, routed_scaling_factor: 1.0, n_group: 1, topk_group: 1,
    first_k_dense_replace: 1, norm_topk_prob: true, use_qk_norm: false, partial_rotary_factor: null, head_dim: null,
    num_nextn_predict_layers: 0, rope_theta: null, rope_scaling: null, rope_parameters: null,
  },
  codecs: [
    shapeCodec('field'),
    ropeCodec({ defaultTheta: 10000, partialDefault: 0.5 }),
    attentionCodec({ bias: 'attention_bias_qkv', qkNorm: 'use_qk_norm', window: 'none' }),
    noMlaCodec,
    ffnCodec({ layout: 'deepseek', experts: 'n_routed_experts', expertFfn: 'moe_intermediate_size', activation: 'hidden_act', noMoeLayerFreq: true }),
    deepseekSharedCodec,
    routerCodec('glm4_moe', { score: 'sigmoid', normTopK: 'field', groups: 'v3', scaling: true, scoreBias: true, noRemoteCodeFields: true }),
    mtpCodec,
  ],
  keys: () => [...BASE_ROWS, ...ATTENTION_ROWS, ...QKV_BIAS_ROWS, ...QK_NORM_ROWS, ...DENSE_ROWS, ...GATE_ROWS, ...SCORE_BIAS_ROWS, ...EXPERT_ROWS, ...DEEPSEEK_SHARED_ROWS, ...MTP_ROWS],
  keyOptions: () => ({}),
};
