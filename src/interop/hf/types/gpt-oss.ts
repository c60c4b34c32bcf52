/**
 * HF bridge — `gpt_oss` (GptOssForCausalLM). Read: modular_gpt_oss.py @ 0261a467 (v5: sinks,
 * clamped SwiGLU with interleaved gate/up in gate_up_proj [E, H, 2F], router with bias, top-k
 * over the logits then softmax over the k), configuration_gpt_oss.py @ 828a27fd (v4.55: rope_theta
 * 150000, default rope_scaling YaRN ×32 over 4096 with truncate false, layer_types default
 * sliding on even layers, attention_bias forced true) and @ 02b8f42b (v5: swiglu fields).
 */
import { attentionCodec } from '../codecs/attention.js';
import { ffnCodec } from '../codecs/ffn.js';
import { noMlaCodec } from '../codecs/mla.js';
import { noMtpCodec } from '../codecs/mtp.js';
import { ropeCodec } from '../codecs/rope.js';
import { routerCodec } from '../codecs/router.js';
import { noSharedCodec } from '../codecs/shared.js';
import { shapeCodec } from '../codecs/shape.js';
import { ATTENTION_ROWS, QKV_BIAS_ROWS, OUT_BIAS_ROWS, SINK_ROWS, BASE_ROWS, GPT_OSS_MOE_ROWS } from '../keys/tables.js';
import type { HfModelType } from '../model-type.js';

export const GPT_OSS_DEFAULT_ROPE_SCALING = {
  rope_type: 'yarn', factor: 32, beta_fast: 32, beta_slow: 1, truncate: false, original_max_position_embeddings: 4096,
};

export const gptOss: HfModelType = {
  modelType: 'gpt_oss',
  architecture: 'GptOssForCausalLM',
  source: 'modular_gpt_oss.py @ 0261a467, configuration_gpt_oss.py @ 828a27fd (v4.55) and @ 02b8f42b (v5)',
  defaults: {
    num_hidden_layers: 36, num_local_experts: 128, vocab_size: 201088, hidden_size: 2880, intermediate_size: 2880,
    head_dim: 64, num_attention_heads: 64, num_key_value_heads: 8, sliding_window: 128, tie_word_embeddings: false,
    hidden_act: 'silu', max_position_embeddings: 131072, rms_norm_eps: 1e-5, num_experts_per_tok: 4,
    swiglu_alpha: 1.702, swiglu_limit: 7.0, router_aux_loss_coef: 0.001, layer_types: null, attention_bias: true,
    rope_theta: null, rope_scaling: null, rope_parameters: null,
  },
  aliases: { num_experts: 'num_local_experts' }, // configuration_gpt_oss.py attribute_map
  codecs: [
    shapeCodec('field'),
    ropeCodec({ defaultTheta: 150000, defaultScaling: GPT_OSS_DEFAULT_ROPE_SCALING }),
    attentionCodec({ bias: 'always', qkNorm: 'none', window: 'layer-types', sinks: true }),
    noMlaCodec,
    ffnCodec({ layout: 'all-moe', experts: 'num_local_experts', expertFfn: 'intermediate_size', activation: 'clamped_swiglu', expertBias: true }),
    noSharedCodec,
    routerCodec('gpt_oss', { score: 'softmax', normTopK: 'always', groups: 'none', bias: true }),
    noMtpCodec,
  ],
  keys: () => [...BASE_ROWS, ...ATTENTION_ROWS, ...QKV_BIAS_ROWS, ...OUT_BIAS_ROWS, ...SINK_ROWS, ...GPT_OSS_MOE_ROWS],
  keyOptions: () => ({}),
};
