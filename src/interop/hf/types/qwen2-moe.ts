/**
 * HF bridge — `qwen2_moe` (Qwen2MoeForCausalLM, Qwen1.5-MoE). Read: modular_qwen2_moe.py
 * @ 001f85b3 (v5: `qkv_bias` on q/k/v, shared expert + sigmoid `shared_expert_gate`, the
 * decoder layer's MoE rule), configuration_qwen2_moe.py @ 008e5743 (defaults).
 */
import { attentionCodec } from '../codecs/attention.js';
import { ffnCodec } from '../codecs/ffn.js';
import { noMlaCodec } from '../codecs/mla.js';
import { noMtpCodec } from '../codecs/mtp.js';
import { ropeCodec } from '../codecs/rope.js';
import { routerCodec } from '../codecs/router.js';
import { qwenSharedCodec } from '../codecs/shared.js';
import { shapeCodec } from '../codecs/shape.js';
import { ATTENTION_ROWS, QKV_BIAS_ROWS, BASE_ROWS, DENSE_ROWS, EXPERT_ROWS, GATE_ROWS, QWEN_SHARED_ROWS } from '../keys/tables.js';
import type { HfModelType } from '../model-type.js';

export const qwen2Moe: HfModelType = {
  modelType: 'qwen2_moe',
  architecture: 'Qwen2MoeForCausalLM',
  source: 'modular_qwen2_moe.py @ 001f85b3, configuration_qwen2_moe.py @ 008e5743',
  defaults: {
    vocab_size: 151936, hidden_size: 2048, intermediate_size: 5632, num_hidden_layers: 24, num_attention_heads: 16,
    num_key_value_heads: 16, hidden_act: 'silu', max_position_embeddings: 32768, rms_norm_eps: 1e-6,
    tie_word_embeddings: false, use_sliding_window: false, sliding_window: 4096, max_window_layers: 28,
    decoder_sparse_step: 1, moe_intermediate_size: 1408, shared_expert_intermediate_size: 5632, num_experts_per_tok: 4,
    num_experts: 60, norm_topk_prob: false, router_aux_loss_coef: 0.001, mlp_only_layers: null, qkv_bias: true,
    layer_types: null, rope_theta: null, rope_scaling: null, rope_parameters: null,
  },
  codecs: [
    shapeCodec('derived'),
    ropeCodec({ defaultTheta: 10000 }),
    attentionCodec({ bias: 'qkv_bias', qkNorm: 'none', window: 'qwen' }),
    noMlaCodec,
    ffnCodec({ layout: 'qwen', experts: 'num_experts', expertFfn: 'moe_intermediate_size', activation: 'hidden_act' }),
    qwenSharedCodec,
    routerCodec('qwen2_moe', { score: 'softmax', normTopK: 'field', groups: 'none' }),
    noMtpCodec,
  ],
  keys: () => [...BASE_ROWS, ...ATTENTION_ROWS, ...QKV_BIAS_ROWS, ...DENSE_ROWS, ...GATE_ROWS, ...EXPERT_ROWS, ...QWEN_SHARED_ROWS],
  keyOptions: () => ({}),
};
