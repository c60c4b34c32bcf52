/**
 * HF bridge — `qwen3_moe` (Qwen3MoeForCausalLM). Read: modular_qwen3_moe.py @ 00eb1166
 * (Qwen3Attention: per-head q_norm / k_norm over head_dim, `attention_bias` on q/k/v/o;
 * router, experts and layer rule from qwen2_moe, no shared expert), configuration_qwen3_moe.py
 * @ 008e5743 (defaults).
 */
import { attentionCodec } from '../codecs/attention.js';
import { ffnCodec } from '../codecs/ffn.js';
import { noMlaCodec } from '../codecs/mla.js';
import { noMtpCodec } from '../codecs/mtp.js';
import { ropeCodec } from '../codecs/rope.js';
import { routerCodec } from '../codecs/router.js';
import { noSharedCodec } from '../codecs/shared.js';
import { shapeCodec } from '../codecs/shape.js';
import { ATTENTION_ROWS, QKV_BIAS_ROWS, OUT_BIAS_ROWS, QK_NORM_ROWS, BASE_ROWS, DENSE_ROWS, EXPERT_ROWS, GATE_ROWS } from '../keys/tables.js';
import type { HfModelType } from '../model-type.js';

export const qwen3Moe: HfModelType = {
  modelType: 'qwen3_moe',
  architecture: 'Qwen3MoeForCausalLM',
  source: 'modular_qwen3_moe.py @ 00eb1166, qwen3/modular_qwen3.py @ 02e8340b, configuration_qwen3_moe.py @ 008e5743',
  defaults: {
    vocab_size: 151936, hidden_size: 2048, intermediate_size: 6144, num_hidden_layers: 24, num_attention_heads: 32,
    num_key_value_heads: 4, hidden_act: 'silu', max_position_embeddings: 32768, rms_norm_eps: 1e-6,
    tie_word_embeddings: false, attention_bias: false, use_sliding_window: false, sliding_window: 4096,
    max_window_layers: 28, decoder_sparse_step: 1, moe_intermediate_size: 768, num_experts_per_tok: 8, num_experts: 128,
    norm_topk_prob: false, router_aux_loss_coef: 0.001, mlp_only_layers: null, head_dim: null, layer_types: null,
    rope_theta: null, rope_scaling: null, rope_parameters: null,
  },
  // configuration_qwen3_moe.py @ 008e5743: attribute_map {num_experts: num_local_experts}, so v5 saves num_local_experts.
  aliases: { num_local_experts: 'num_experts' },
  codecs: [
    shapeCodec('field'),
    ropeCodec({ defaultTheta: 10000 }),
    attentionCodec({ bias: 'attention_bias', qkNorm: 'head', window: 'qwen' }),
    noMlaCodec,
    ffnCodec({ layout: 'qwen', experts: 'num_experts', expertFfn: 'moe_intermediate_size', activation: 'hidden_act' }),
    noSharedCodec,
    routerCodec('qwen3_moe', { score: 'softmax', normTopK: 'field', groups: 'none' }),
    noMtpCodec,
  ],
  keys: () => [...BASE_ROWS, ...ATTENTION_ROWS, ...QKV_BIAS_ROWS, ...OUT_BIAS_ROWS, ...QK_NORM_ROWS, ...DENSE_ROWS, ...GATE_ROWS, ...EXPERT_ROWS],
  keyOptions: () => ({}),
};
