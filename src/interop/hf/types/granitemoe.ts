/**
 * HF bridge — `granitemoe` (GraniteMoeForCausalLM: IBM Granite 3.x MoE, PowerMoE). Read:
 * modular_granitemoe.py @ 023633dd (GraniteMoeAttention = LlamaAttention with scaling =
 * attention_multiplier, `attention_bias` on q/k/v/o; GraniteMoeMoE = JetMoe's TopKGating: top-k
 * of the router logits, softmax over the k — the renormalised softmax top-k; ParallelExperts
 * input_linear / output_linear; the four multipliers: codecs/granite.ts),
 * configuration_granitemoe.py @ 040e1a7e (defaults below; no head_dim field: hidden // heads).
 * test/tools/hf-reference/modeling_granitemoe.py ports it for the golden fixture.
 *
 * `granitemoeshared` (GraniteMoeSharedForCausalLM, modular_granitemoeshared.py;
 * configuration_granitemoeshared.py: granitemoe's defaults + shared_intermediate_size 0) is the
 * same model plus a shared MLP (codecs/shared.ts graniteSharedCodec).
 */
import { attentionCodec } from '../codecs/attention.js';
import { ffnCodec } from '../codecs/ffn.js';
import { graniteScalesCodec } from '../codecs/granite.js';
import { noMlaCodec } from '../codecs/mla.js';
import { noMtpCodec } from '../codecs/mtp.js';
import { ropeCodec } from '../codecs/rope.js';
import { routerCodec } from '../codecs/router.js';
import { graniteSharedCodec, noSharedCodec } from '../codecs/shared.js';
import { shapeCodec } from '../codecs/shape.js';
import { ATTENTION_ROWS, BASE_ROWS, GRANITE_MOE_ROWS, GRANITE_SHARED_ROWS, OUT_BIAS_ROWS, QKV_BIAS_ROWS } from '../keys/tables.js';
import type { HfModelType } from '../model-type.js';

export const graniteMoe: HfModelType = {
  modelType: 'granitemoe',
  architecture: 'GraniteMoeForCausalLM',
  source: 'modular_granitemoe.py @ 023633dd, configuration_granitemoe.py @ 040e1a7e',
  defaults: {
    vocab_size: 32000, hidden_size: 4096, intermediate_size: 11008, num_hidden_layers: 32, num_attention_heads: 32,
    num_key_value_heads: null, hidden_act: 'silu', max_position_embeddings: 2048, rms_norm_eps: 1e-6,
    tie_word_embeddings: false, rope_theta: null, rope_scaling: null, rope_parameters: null, attention_bias: false,
    embedding_multiplier: 1.0, logits_scaling: 1.0, residual_multiplier: 1.0, attention_multiplier: 1.0,
    num_local_experts: 8, num_experts_per_tok: 2, output_router_logits: false, router_aux_loss_coef: 0.001,
  },
  codecs: [
    shapeCodec('derived', { multipliers: true }),
    graniteScalesCodec,
    ropeCodec({ defaultTheta: 10000 }),
    attentionCodec({ bias: 'attention_bias', qkNorm: 'none', window: 'none' }),
    noMlaCodec,
    ffnCodec({ layout: 'all-moe', experts: 'num_local_experts', expertFfn: 'intermediate_size', activation: 'hidden_act' }),
    noSharedCodec,
    routerCodec('granitemoe', { score: 'softmax', normTopK: 'always', groups: 'none' }),
    noMtpCodec,
  ],
  keys: () => [...BASE_ROWS, ...ATTENTION_ROWS, ...QKV_BIAS_ROWS, ...OUT_BIAS_ROWS, ...GRANITE_MOE_ROWS],
  keyOptions: () => ({}),
};

export const graniteMoeShared: HfModelType = {
  ...graniteMoe,
  modelType: 'granitemoeshared',
  architecture: 'GraniteMoeSharedForCausalLM',
  source: 'modular_granitemoeshared.py, configuration_granitemoeshared.py (v5: granitemoe + shared_intermediate_size)',
  defaults: { ...graniteMoe.defaults, shared_intermediate_size: 0 },
  codecs: graniteMoe.codecs.map((c) => (c === noSharedCodec ? graniteSharedCodec : c)),
  keys: () => [...graniteMoe.keys({}), ...GRANITE_SHARED_ROWS],
};
