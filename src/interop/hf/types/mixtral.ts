/**
 * HF bridge — `mixtral` (MixtralForCausalLM). Read: configuration_mixtral.py @ 008e5743 (v5
 * defaults), modular_mixtral.py @ 7792ab1a / 008f5c8c (v4 `block_sparse_moe`, w1/w2/w3),
 * modeling_mixtral.py @ 00d4b3d2 (head_dim honoured). Router: softmax → top-k → renormalise.
 */
import { attentionCodec } from '../codecs/attention.js';
import { ffnCodec } from '../codecs/ffn.js';
import { noMlaCodec } from '../codecs/mla.js';
import { noMtpCodec } from '../codecs/mtp.js';
import { ropeCodec } from '../codecs/rope.js';
import { routerCodec } from '../codecs/router.js';
import { noSharedCodec } from '../codecs/shared.js';
import { shapeCodec } from '../codecs/shape.js';
import { ATTENTION_ROWS, BASE_ROWS, MIXTRAL_MOE_ROWS } from '../keys/tables.js';
import type { HfModelType } from '../model-type.js';

export const mixtral: HfModelType = {
  modelType: 'mixtral',
  architecture: 'MixtralForCausalLM',
  source: 'configuration_mixtral.py @ 008e5743, modular_mixtral.py @ 7792ab1a, modeling_mixtral.py @ 00d4b3d2',
  defaults: {
    vocab_size: 32000, hidden_size: 4096, intermediate_size: 14336, num_hidden_layers: 32, num_attention_heads: 32,
    num_key_value_heads: 8, head_dim: null, hidden_act: 'silu', max_position_embeddings: 131072, rms_norm_eps: 1e-5,
    tie_word_embeddings: false, sliding_window: null, num_experts_per_tok: 2, num_local_experts: 8,
    router_aux_loss_coef: 0.001, router_jitter_noise: 0, rope_theta: null, rope_scaling: null, rope_parameters: null,
  },
  aliases: { num_experts: 'num_local_experts' }, // configuration_mixtral.py @ 008e5743 attribute_map
  codecs: [
    shapeCodec('field'),
    ropeCodec({ defaultTheta: 1e6 }),
    attentionCodec({ bias: 'none', qkNorm: 'none', window: 'all-layers' }),
    noMlaCodec,
    ffnCodec({ layout: 'all-moe', experts: 'num_local_experts', expertFfn: 'intermediate_size', activation: 'hidden_act' }),
    noSharedCodec,
    routerCodec('mixtral', { score: 'softmax', normTopK: 'always', groups: 'none' }),
    noMtpCodec,
  ],
  keys: () => [...BASE_ROWS, ...ATTENTION_ROWS, ...MIXTRAL_MOE_ROWS],
  keyOptions: () => ({}),
};
