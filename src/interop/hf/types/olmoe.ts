/**
 * HF bridge — `olmoe` (OlmoeForCausalLM). Read: modular_olmoe.py @ 052b1dcd (q_norm over the
 * whole q projection [hidden], k_norm over the whole k projection [(hidden / heads) · kv_heads],
 * then `clip_qkv` clamps q, k and v; softmax → top-k → optional renormalisation),
 * configuration_olmoe.py @ 008e5743 (defaults: rms_norm_eps 1e-5, kv_heads = heads).
 */
import { attentionCodec } from '../codecs/attention.js';
import { ffnCodec } from '../codecs/ffn.js';
import { noMlaCodec } from '../codecs/mla.js';
import { noMtpCodec } from '../codecs/mtp.js';
import { ropeCodec } from '../codecs/rope.js';
import { routerCodec } from '../codecs/router.js';
import { noSharedCodec } from '../codecs/shared.js';
import { shapeCodec } from '../codecs/shape.js';
import { ATTENTION_ROWS, QKV_BIAS_ROWS, OUT_BIAS_ROWS, QK_NORM_ROWS, BASE_ROWS, EXPERT_ROWS, GATE_ROWS } from '../keys/tables.js';
import type { HfModelType } from '../model-type.js';

export const olmoe: HfModelType = {
  modelType: 'olmoe',
  architecture: 'OlmoeForCausalLM',
  source: 'modular_olmoe.py @ 052b1dcd, configuration_olmoe.py @ 008e5743',
  defaults: {
    vocab_size: 50304, hidden_size: 2048, intermediate_size: 2048, num_hidden_layers: 16, num_attention_heads: 16,
    num_key_value_heads: null, hidden_act: 'silu', max_position_embeddings: 4096, rms_norm_eps: 1e-5,
    tie_word_embeddings: false, attention_bias: false, clip_qkv: null, num_experts_per_tok: 8, num_experts: 64,
    router_aux_loss_coef: 0.01, norm_topk_prob: false, rope_theta: null, rope_scaling: null, rope_parameters: null,
  },
  aliases: { num_local_experts: 'num_experts' }, // configuration_olmoe.py @ 008e5743 attribute_map
  codecs: [
    shapeCodec('derived'),
    ropeCodec({ defaultTheta: 10000 }),
    attentionCodec({ bias: 'attention_bias', qkNorm: 'full', clip: true, window: 'none' }),
    noMlaCodec,
    ffnCodec({ layout: 'all-moe', experts: 'num_experts', expertFfn: 'intermediate_size', activation: 'hidden_act' }),
    noSharedCodec,
    routerCodec('olmoe', { score: 'softmax', normTopK: 'field', groups: 'none' }),
    noMtpCodec,
  ],
  keys: () => [...BASE_ROWS, ...ATTENTION_ROWS, ...QKV_BIAS_ROWS, ...OUT_BIAS_ROWS, ...QK_NORM_ROWS, ...GATE_ROWS, ...EXPERT_ROWS],
  keyOptions: () => ({}),
};
