/**
 * HF bridge codec — DeepSeek's multi-head latent attention fields (deepseek_v2 / deepseek_v3
 * configuration): `q_lora_rank` (null: queries projected directly by q_proj, V2-Lite),
 * `kv_lora_rank`, `qk_nope_head_dim`, `qk_rope_head_dim`, `v_head_dim`. The latent norms
 * q_a_layernorm / kv_a_layernorm are built with the RMSNorm default eps 1e-6, whatever
 * rms_norm_eps is (modeling_deepseek_v3.py `DeepseekV3RMSNorm(config.q_lora_rank)`): moec's
 * `mla.norm_eps` default, so an export refuses any other value.
 */
import type { ConfigReader } from '../config-reader.js';
import type { Codec } from '../model-type.js';
import { attentionOf } from '../ir-view.js';

const DIMS: [string, string][] = [
  ['kv_lora_rank', 'kv_lora_rank'],
  ['qk_nope_head_dim', 'qk_nope_head_dim'],
  ['qk_rope_head_dim', 'qk_rope_head_dim'],
  ['v_head_dim', 'v_head_dim'],
];

export const mlaCodec: Codec = {
  fields: ['q_lora_rank', ...DIMS.map(([f]) => f), 'qk_head_dim'],
  read(c, s) {
    const q = c.int('q_lora_rank', 1, true);
    if (q !== undefined) s.set('/attention/mla/q_lora_rank', q, 'q_lora_rank');
    else if (c.value('q_lora_rank') === null) s.comment('/attention/heads', 'q_lora_rank null: q_proj');
    const dims: Record<string, number | undefined> = {};
    for (const [field, key] of DIMS) {
      const v = (dims[field] = c.int(field, key === 'qk_rope_head_dim' ? 2 : 1));
      if (v !== undefined) s.set(`/attention/mla/${key}`, v, field);
    }
    readQkHeadDim(c, dims.qk_nope_head_dim, dims.qk_rope_head_dim);
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

/**
 * `qk_head_dim`: DeepseekV3Config stores qk_nope_head_dim + qk_rope_head_dim, so every config it
 * saves states it; DeepseekV3Attention sizes q by it (`self.qk_head_dim = config.qk_head_dim`),
 * while deepseek_v2 recomputes the sum and ignores the field.
 */
function readQkHeadDim(c: ConfigReader, nope: number | undefined, rope: number | undefined): void {
  const stated = c.value('qk_head_dim');
  if (stated === undefined || stated === null || nope === undefined || rope === undefined || stated === nope + rope) return;
  if (c.modelType === 'deepseek_v2') return c.ignored('qk_head_dim', stated, `transformers deepseek_v2 uses qk_nope_head_dim + qk_rope_head_dim = ${nope + rope}`);
  c.bad('qk_head_dim', stated, `it must be qk_nope_head_dim + qk_rope_head_dim = ${nope + rope}: transformers ${c.modelType} sizes the queries by it and splits them by the two`);
}

/** Types without MLA refuse a spec that has it. */
export const noMlaCodec: Codec = {
  fields: [],
  read() {},
  write(ir, w) {
    if (attentionOf(ir).mla) w.refuse('attention.mla', `transformers ${w.modelType} has no multi-head latent attention`);
  },
};
