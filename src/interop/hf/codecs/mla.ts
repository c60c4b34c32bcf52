/**
 * HF bridge codec — DeepSeek's multi-head latent attention fields (deepseek_v2 / deepseek_v3
 * configuration): `q_lora_rank` (null: queries projected directly by q_proj, V2-Lite),
 * `kv_lora_rank`, `qk_nope_head_dim`, `qk_rope_head_dim`, `v_head_dim`. The latent norms
 * q_a_layernorm / kv_a_layernorm are built with the RMSNorm default eps 1e-6, whatever
 * rms_norm_eps is (modeling_deepseek_v3.py `DeepseekV3RMSNorm(config.q_lora_rank)`): moec's
 * `mla.norm_eps` default, so an export refuses any other value.
 */
import type { Codec } from '../model-type.js';
import { attentionOf } from '../ir-view.js';

const DIMS: [string, string][] = [
  ['kv_lora_rank', 'kv_lora_rank'],
  ['qk_nope_head_dim', 'qk_nope_head_dim'],
  ['qk_rope_head_dim', 'qk_rope_head_dim'],
  ['v_head_dim', 'v_head_dim'],
];

export const mlaCodec: Codec = {
  fields: ['q_lora_rank', ...DIMS.map(([f]) => f)],
  read(c, s) {
    const q = c.int('q_lora_rank', 1, true);
    if (q !== undefined) s.set('/attention/mla/q_lora_rank', q, 'q_lora_rank');
    else if (c.value('q_lora_rank') === null) s.comment('/attention/heads', 'q_lora_rank null: q_proj');
    for (const [field, key] of DIMS) {
      const v = c.int(field, key === 'qk_rope_head_dim' ? 2 : 1);
      if (v !== undefined) s.set(`/attention/mla/${key}`, v, field);
    }
  },
  write(ir, w) {
    const a = attentionOf(ir);
    if (!a.mla) return w.refuse(`attention ${a.kind}`, `transformers ${w.modelType} uses multi-head latent attention (add an mla block)`);
    const m = a.mla;
    w.set('q_lora_rank', m.qLoraRank > 0 ? m.qLoraRank : null);
    w.set('kv_lora_rank', m.kvLoraRank);
    w.set('qk_nope_head_dim', m.qkNopeHeadDim);
    w.set('qk_rope_head_dim', m.qkRopeHeadDim);
    w.set('v_head_dim', m.vHeadDim);
    if (m.normEps !== 1e-6) w.refuse(`attention.mla.norm_eps ${m.normEps}`, `transformers ${w.modelType} builds q_a_layernorm / kv_a_layernorm with eps 1e-6`);
  },
};

/** Types without MLA refuse a spec that has it. */
export const noMlaCodec: Codec = {
  fields: [],
  read() {},
  write(ir, w) {
    if (attentionOf(ir).mla) w.refuse('attention.mla', `transformers ${w.modelType} has no multi-head latent attention`);
  },
};
