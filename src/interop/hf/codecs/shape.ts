/**
 * HF bridge codec — the model's shape: vocabulary, widths, depth, context, tied embeddings,
 * RMSNorm eps, heads. `headDim` says how the model_type finds the head width:
 * `field` (`head_dim`, else hidden // heads: mixtral, qwen3_moe, gpt_oss), `derived` (always
 * hidden // heads: qwen2_moe — v4 ignores `head_dim` — and olmoe, whose k_norm width is
 * (hidden // heads) · kv_heads), `mla` (DeepSeek: q/k/v widths come from the MLA fields).
 * Every type here uses RMSNorm without bias (LlamaRMSNorm and its copies) and no lm_head bias.
 */
import type { ModelIR } from '../../../ir/types.js';
import { MAX_LAYERS, type ConfigReader } from '../config-reader.js';
import { float, type ConfigWriter } from '../config-writer.js';
import { attentionOf } from '../ir-view.js';
import type { Codec } from '../model-type.js';
import type { SpecDraft } from '../spec-draft.js';
import { refuseGraniteScales } from './granite.js';

export type HeadDimPolicy = 'field' | 'derived' | 'mla';

function readHeads(c: ConfigReader, s: SpecDraft, hidden: number | undefined, policy: HeadDimPolicy): void {
  const heads = c.int('num_attention_heads');
  if (heads === undefined) return;
  s.set('/attention/heads', heads, 'num_attention_heads');
  const kvRaw = c.value('num_key_value_heads');
  const kv = kvRaw === null || kvRaw === undefined ? heads : c.int('num_key_value_heads');
  const derived = hidden !== undefined ? Math.floor(hidden / heads) : undefined;
  if (policy === 'mla') {
    c.use('head_dim'); // DeepseekV3Config sets head_dim = qk_rope_head_dim for the rotary embedding
    if (kv !== undefined && kv !== heads) c.refuse('num_key_value_heads', kv, `MLA gives every query head its own key and value (kv_b_proj); transformers' repeat_kv would break with ${kv} ≠ ${heads} heads`);
    return;
  }
  if (kv !== undefined) s.set('/attention/kv_heads', kv, kvRaw === null || kvRaw === undefined ? 'num_key_value_heads (absent: = heads)' : 'num_key_value_heads');
  const stated = c.value('head_dim');
  if (policy === 'derived') {
    if (stated !== undefined && stated !== null && stated !== derived) {
      c.refuse('head_dim', stated, `transformers' ${c.modelType} computes hidden_size // num_attention_heads = ${derived} and ignores head_dim (olmoe's k_norm is that wide per kv head)`);
    }
    if (derived !== undefined) s.set('/attention/head_dim', derived, 'hidden_size / num_attention_heads');
    return;
  }
  const headDim = stated === null || stated === undefined ? derived : c.int('head_dim');
  if (headDim !== undefined) s.set('/attention/head_dim', headDim, stated === null || stated === undefined ? 'hidden_size / num_attention_heads (head_dim absent)' : 'head_dim');
}

/** `multipliers`: the model_type has Granite's multipliers (graniteScalesCodec writes them); else they are refused. */
export function shapeCodec(headDim: HeadDimPolicy, o: { multipliers?: boolean } = {}): Codec {
  return {
    fields: ['vocab_size', 'hidden_size', 'num_hidden_layers', 'max_position_embeddings', 'tie_word_embeddings', 'rms_norm_eps', 'num_attention_heads', 'num_key_value_heads', 'head_dim'],
    read(c, s) {
      const set = (ptr: string, v: unknown, field: string) => v !== undefined && s.set(ptr, v, field);
      set('/vocab', c.int('vocab_size'), 'vocab_size');
      const hidden = c.int('hidden_size');
      set('/hidden', hidden, 'hidden_size');
      set('/layers', c.int('num_hidden_layers', 1, false, MAX_LAYERS), 'num_hidden_layers');
      set('/context', c.int('max_position_embeddings'), 'max_position_embeddings');
      const tie = c.bool('tie_word_embeddings');
      if (tie) s.set('/tie_embeddings', true, 'tie_word_embeddings');
      const eps = c.num('rms_norm_eps');
      if (eps !== undefined) {
        s.set('/norm/type', 'rmsnorm');
        s.set('/norm/eps', eps, 'rms_norm_eps');
      }
      readHeads(c, s, hidden, headDim);
    },
    write(ir: ModelIR, w: ConfigWriter) {
      const a = attentionOf(ir);
      w.set('vocab_size', ir.vocab);
      w.set('hidden_size', ir.hidden);
      w.set('num_hidden_layers', ir.layers.length);
      w.set('max_position_embeddings', ir.context);
      w.set('tie_word_embeddings', ir.tieEmbeddings);
      w.set('rms_norm_eps', float(ir.norm.eps));
      w.set('num_attention_heads', a.heads);
      w.set('num_key_value_heads', a.kind === 'mla' ? a.heads : a.kvHeads);
      if (ir.norm.type !== 'rmsnorm') w.refuse(`norm ${ir.norm.type}`, `transformers ${w.modelType} normalizes with RMSNorm`);
      if (ir.lmHeadBias) w.refuse('lm_head_bias true', `transformers ${w.modelType}'s lm_head has no bias`);
      if (!o.multipliers) refuseGraniteScales(ir, w);
      if (headDim === 'field') w.set('head_dim', a.headDim);
      if (headDim === 'derived' && a.headDim !== Math.floor(ir.hidden / a.heads)) {
        w.refuse(`attention.head_dim ${a.headDim}`, `transformers ${w.modelType} uses hidden / heads = ${Math.floor(ir.hidden / a.heads)}`);
      }
    },
  };
}
