/**
 * HF bridge codec — what each model_type's attention module fixes or reads beyond its shape:
 * biases, q/k norms, clip_qkv, sliding windows, sinks. Sources (transformers, stored versions
 * named in docs/hf.md): mixtral MistralAttention (no biases, `sliding_window` on every layer);
 * qwen2_moe (`qkv_bias` on q/k/v, v4 always; no o bias); qwen3_moe Qwen3Attention
 * (`attention_bias` on q/k/v/o, per-head q_norm/k_norm); olmoe OlmoeAttention (`attention_bias`,
 * full-width q_norm/k_norm, `clip_qkv`); gpt_oss (`attention_bias` forced true by v4.55's
 * config, sinks, `sliding_window` on the `layer_types` marked sliding, default even layers);
 * deepseek MLA (`attention_bias` would add q_a/kv_a/o biases moec's MLA lacks); glm4_moe
 * Glm4MoeAttention (`attention_bias` on q/k/v only — its o_proj never has one; per-head
 * q_norm/k_norm only when `use_qk_norm`, modeling_glm4_moe.py @ 000c33fd). Qwen's sliding
 * windows are refused: v4 put them on layers ≥ max_window_layers, v5 on odd-numbered layers
 * below it, so the two compute different functions (no released Qwen MoE enables them).
 */
import type { ModelIR } from '../../../ir/types.js';
import type { ConfigReader } from '../config-reader.js';
import type { ConfigWriter } from '../config-writer.js';
import { attentionOf, windowsOf } from '../ir-view.js';
import type { Codec } from '../model-type.js';
import type { SpecDraft } from '../spec-draft.js';

export interface AttentionOptions {
  /** none (mixtral), qkv_bias (qwen2_moe field), attention_bias (q, k, v and o), attention_bias_qkv (q, k, v: glm4_moe), always (gpt_oss), mla (must be false). */
  bias: 'none' | 'qkv_bias' | 'attention_bias' | 'attention_bias_qkv' | 'always' | 'mla';
  /** Fixed by the type, or `use_qk_norm` (glm4_moe: per-head when the field is true). */
  qkNorm: 'none' | 'head' | 'full' | 'use_qk_norm';
  clip?: boolean;
  /** none, all-layers (mixtral), qwen (refused when on), layer-types (gpt_oss). */
  window: 'none' | 'all-layers' | 'qwen' | 'layer-types';
  sinks?: boolean;
}

function readBias(c: ConfigReader, s: SpecDraft, o: AttentionOptions): void {
  if (o.bias === 'qkv_bias') {
    if (c.bool('qkv_bias')) s.set('/attention/qkv_bias', true, c.has('qkv_bias') ? 'qkv_bias' : 'qkv_bias (absent: Qwen2-MoE default true)');
  } else if (o.bias === 'attention_bias') {
    if (c.bool('attention_bias')) {
      s.set('/attention/qkv_bias', true, 'attention_bias');
      s.set('/attention/out_bias', true, 'attention_bias');
    }
  } else if (o.bias === 'attention_bias_qkv') {
    if (c.bool('attention_bias')) s.set('/attention/qkv_bias', true, `attention_bias (${c.modelType}: q, k, v only)`);
  } else if (o.bias === 'always') {
    if (c.value('attention_bias') === false) c.ignored('attention_bias', false, `transformers ${c.modelType}'s configuration forces attention_bias true (v4.55 __init__)`);
    s.set('/attention/qkv_bias', true, `${c.modelType}: always`);
    s.set('/attention/out_bias', true, `${c.modelType}: always`);
  } else if (o.bias === 'mla') {
    if (c.bool('attention_bias')) c.refuse('attention_bias', true, "it adds biases to q_a_proj, kv_a_proj_with_mqa and o_proj; moec's MLA has none");
  }
}

function readWindow(c: ConfigReader, s: SpecDraft, o: AttentionOptions): void {
  if (o.window === 'all-layers') {
    const w = c.int('sliding_window', 1, true);
    if (w !== undefined) s.set('/attention/window', w, 'sliding_window (every layer)');
  } else if (o.window === 'qwen') {
    c.use('sliding_window', 'max_window_layers', 'layer_types');
    if (c.bool('use_sliding_window')) c.refuse('use_sliding_window', true, `transformers v4 windows the layers ≥ max_window_layers, v5 the odd-numbered layers below it: the versions compute different functions`);
  } else if (o.window === 'layer-types') {
    const layers = c.layers();
    if (layers === undefined) return;
    let types = c.value('layer_types');
    if (types === null || types === undefined) types = Array.from({ length: layers }, (_, i) => (i % 2 === 0 ? 'sliding_attention' : 'full_attention'));
    if (!Array.isArray(types) || types.some((t) => t !== 'sliding_attention' && t !== 'full_attention') || types.length !== layers) {
      return void c.bad('layer_types', types, `it must list "sliding_attention" or "full_attention" for each of the ${String(layers)} layers`);
    }
    const sliding = types.flatMap((t, i) => (t === 'sliding_attention' ? [i] : []));
    if (sliding.length === 0) return c.use('sliding_window');
    const w = c.int('sliding_window');
    if (w === undefined) return;
    s.set('/attention/window', w, 'sliding_window');
    if (sliding.length < types.length) s.set('/attention/window_layers', sliding, c.has('layer_types') ? 'layer_types' : 'layer_types (absent: even layers sliding)');
  }
}

function writeWindow(ir: ModelIR, w: ConfigWriter, o: AttentionOptions): void {
  const windows = windowsOf(ir);
  const sizes = [...new Set(windows.filter((x) => x !== undefined))];
  if (sizes.length > 1) return w.refuse(`attention windows ${sizes.join(', ')}`, `transformers ${w.modelType} has one sliding_window`);
  const any = sizes.length === 1;
  if (o.window === 'all-layers') {
    if (any && windows.some((x) => x === undefined)) return w.refuse('attention.window_layers', `transformers ${w.modelType} applies sliding_window to every layer`);
    w.set('sliding_window', any ? sizes[0]! : null);
  } else if (o.window === 'layer-types') {
    w.set('sliding_window', any ? sizes[0]! : null);
    w.set('layer_types', windows.map((x) => (x === undefined ? 'full_attention' : 'sliding_attention')));
  } else {
    if (any) w.refuse('attention.window', o.window === 'qwen' ? 'transformers versions disagree on which Qwen layers use the window' : `transformers ${w.modelType} has no sliding window`);
    if (o.window === 'qwen') w.set('use_sliding_window', false);
  }
}

function writeBias(ir: ModelIR, w: ConfigWriter, o: AttentionOptions): void {
  const a = attentionOf(ir);
  const what = `attention qkv_bias ${a.qkvBias}, out_bias ${a.outBias}`;
  if (o.bias === 'qkv_bias') {
    if (a.outBias) w.refuse('attention.out_bias', `transformers ${w.modelType}'s o_proj has no bias`);
    // v4's Qwen2MoeAttention builds q/k/v biases unconditionally; only v5 reads qkv_bias.
    if (!a.qkvBias) w.refuse('attention.qkv_bias false', `transformers v4's ${w.modelType} always has q, k, v biases (v5's qkv_bias field is not read by v4)`);
    w.set('qkv_bias', a.qkvBias);
  } else if (o.bias === 'attention_bias') {
    if (a.qkvBias !== a.outBias) w.refuse(what, `transformers ${w.modelType}'s attention_bias sets all four biases together`);
    w.set('attention_bias', a.qkvBias);
  } else if (o.bias === 'attention_bias_qkv') {
    if (a.outBias) w.refuse('attention.out_bias', `transformers ${w.modelType}'s o_proj has no bias`);
    w.set('attention_bias', a.qkvBias);
  } else if (o.bias === 'always') {
    if (!a.qkvBias || !a.outBias) w.refuse(what, `transformers ${w.modelType} always has q, k, v and o biases`);
    w.set('attention_bias', true);
  } else {
    if (a.qkvBias || a.outBias) w.refuse(what, `transformers ${w.modelType}'s attention has no biases`);
    if (o.bias === 'mla') w.set('attention_bias', false);
  }
}

export function attentionCodec(o: AttentionOptions): Codec {
  const fields = [
    ...(o.bias === 'qkv_bias' ? ['qkv_bias'] : o.bias === 'none' ? [] : ['attention_bias']),
    ...(o.clip ? ['clip_qkv'] : []),
    ...(o.qkNorm === 'use_qk_norm' ? ['use_qk_norm'] : []),
    ...{ none: [], 'all-layers': ['sliding_window'], qwen: ['use_sliding_window', 'sliding_window', 'max_window_layers', 'layer_types'], 'layer-types': ['sliding_window', 'layer_types'] }[o.window],
  ];
  return {
    fields,
    read(c, s) {
      readBias(c, s, o);
      if (o.qkNorm === 'use_qk_norm') {
        if (c.bool('use_qk_norm')) s.set('/attention/qk_norm', 'head', 'use_qk_norm (per-head q_norm / k_norm)');
      } else if (o.qkNorm !== 'none') s.set('/attention/qk_norm', o.qkNorm, o.qkNorm === 'head' ? `${c.modelType}: per-head q_norm / k_norm` : `${c.modelType}: q_norm / k_norm over the whole projection`);
      if (o.clip) {
        const clip = c.num('clip_qkv', false, true);
        if (clip !== undefined) s.set('/attention/clip_qkv', clip, 'clip_qkv');
      }
      readWindow(c, s, o);
      if (o.sinks) s.set('/attention/sinks', true, `${c.modelType}: always (self_attn.sinks)`);
    },
    write(ir, w) {
      const a = attentionOf(ir);
      writeBias(ir, w, o);
      if (o.qkNorm === 'use_qk_norm') {
        if (a.qkNorm === 'full') w.refuse('attention.qk_norm full', `transformers ${w.modelType}'s q/k norms are per head`);
        w.set('use_qk_norm', a.qkNorm === 'head');
      } else if (a.qkNorm !== o.qkNorm) w.refuse(`attention.qk_norm ${a.qkNorm}`, o.qkNorm === 'none' ? `transformers ${w.modelType} has no q/k norm` : `transformers ${w.modelType} always has the ${o.qkNorm === 'head' ? 'per-head' : 'full-width'} q/k norm`);
      if (a.clipQkv !== undefined && !o.clip) w.refuse(`attention.clip_qkv ${a.clipQkv}`, `transformers ${w.modelType} has no clip_qkv`);
      if (o.clip) w.set('clip_qkv', a.clipQkv ?? null);
      if (a.sinks !== (o.sinks ?? false)) w.refuse(`attention.sinks ${a.sinks}`, a.sinks ? `transformers ${w.modelType} has no attention sinks` : `transformers ${w.modelType} always has attention sinks`);
      writeWindow(ir, w, o);
    },
  };
}
