/**
 * HF bridge codec — rotary embeddings. A v4 config.json states `rope_theta` + `rope_scaling`
 * (legacy key `type` for `rope_type`), a v5 one `rope_parameters` (with `rope_theta` inside);
 * both are read as transformers v5 standardizes them (`RotaryEmbeddingConfigMixin`,
 * `standardize_rope_params`: theta from the dict, else `rope_theta`, else the class's default;
 * YaRN's `original_max_position_embeddings` defaults to `max_position_embeddings`), and computed
 * as `modeling_rope_utils.py` does (`_compute_yarn_parameters`: `beta_fast or 32`,
 * `beta_slow or 1`, the mscale ratio only when both are set, `truncate` default true). Export
 * writes the v4 fields, which v4 reads directly and v5 converts. Types other than default,
 * linear and yarn (dynamic, longrope, llama3) are refused: moec computes none of them.
 * Partial rotary (glm4_moe): `partial_rotary_factor` (top level in v4, inside rope_parameters in
 * v5, class default 0.5) rotates the first int(head_dim · factor) channels of each head with
 * rotate-half and passes the rest through (modeling_glm4_moe.py @ 000c33fd apply_rotary_pos_emb,
 * compute_default_rope_parameters) — moec's `rope.dim`. Other types refuse the field.
 */
import { yarnMscale } from '../../../ir/rope.js';
import type { ModelIR } from '../../../ir/types.js';
import type { ConfigReader, Json } from '../config-reader.js';
import { float, type ConfigValue, type ConfigWriter } from '../config-writer.js';
import { attentionOf } from '../ir-view.js';
import type { Codec } from '../model-type.js';
import type { SpecDraft } from '../spec-draft.js';

export interface RopeOptions {
  /** The configuration class's default theta (Mixtral 1e6, gpt-oss 150000, else 10000). */
  defaultTheta: number;
  /** gpt-oss: with neither rope_scaling nor rope_parameters, the class default is YaRN. */
  defaultScaling?: Record<string, Json>;
  /** glm4_moe: partial rotary with this class default for `partial_rotary_factor`. */
  partialDefault?: number;
}

const YARN_KEYS: [string, string][] = [
  ['beta_fast', 'beta_fast'],
  ['beta_slow', 'beta_slow'],
  ['mscale', 'mscale'],
  ['mscale_all_dim', 'mscale_all_dim'],
  ['attention_factor', 'attention_factor'],
];

function ropeDict(c: ConfigReader, o: RopeOptions): { params: Record<string, Json>; from: string } | undefined {
  const v5 = c.value('rope_parameters');
  const v4 = c.value('rope_scaling');
  for (const [field, value] of [['rope_parameters', v5], ['rope_scaling', v4]] as const) {
    if (value !== null && value !== undefined && (typeof value !== 'object' || Array.isArray(value))) return void c.bad(field, value, 'it must be an object or null');
  }
  // Python truthiness, as transformers v5 (`rope_scaling or self.rope_parameters`, the
  // RotaryEmbeddingConfigMixin's convert_rope_params_to_dict) and v4 (which reads only
  // rope_scaling) both let a stated rope_scaling win — e.g. YaRN added to a v5-saved config.
  const stated = (v: Json | undefined): v is Record<string, Json> => typeof v === 'object' && v !== null && Object.keys(v).length > 0;
  if (stated(v4)) {
    if (stated(v5) && JSON.stringify(v5) !== JSON.stringify(v4)) c.ignored('rope_parameters', v5, 'rope_scaling is stated too, and transformers reads it instead (v5: `rope_scaling or rope_parameters`; v4 reads only rope_scaling)');
    return { params: { ...v4 }, from: 'rope_scaling' };
  }
  if (stated(v5)) return { params: { ...v5 }, from: 'rope_parameters' };
  if (o.defaultScaling) {
    if (c.has('rope_scaling')) c.versions('rope_scaling', v4 ?? null, `transformers v4 reads an explicit null or {} as no scaling, v5 as the class default ${JSON.stringify(o.defaultScaling)}; moec follows v5`);
    return { params: { ...o.defaultScaling }, from: `the ${c.modelType} default rope_scaling` };
  }
  return { params: {}, from: 'rope_theta' };
}

function num(c: ConfigReader, params: Record<string, Json>, key: string, from: string): number | undefined {
  const v = params[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) return c.bad(`${from}.${key}`, v, 'it must be a number > 0');
  return v;
}

/** The head width as the attention reads it: `head_dim`, else hidden // heads. */
function headDimOf(c: ConfigReader): number | undefined {
  const stated = c.value('head_dim');
  if (typeof stated === 'number') return stated;
  const hidden = c.value('hidden_size');
  const heads = c.value('num_attention_heads');
  return typeof hidden === 'number' && typeof heads === 'number' && heads > 0 ? Math.floor(hidden / heads) : undefined;
}

function readPartial(c: ConfigReader, s: SpecDraft, factor: Json, from: string): void {
  if (typeof factor !== 'number' || !(factor > 0 && factor <= 1)) return void c.bad('partial_rotary_factor', factor, 'it must be a number in (0, 1]');
  const head = headDimOf(c);
  if (head === undefined) return;
  const dim = Math.trunc(head * factor); // python int(head_dim * partial_rotary_factor)
  if (dim < 2 || dim % 2 !== 0) return c.refuse('partial_rotary_factor', factor, `int(${head} × ${factor}) = ${dim} rotary channels: moec rotates an even number ≥ 2 of them`);
  if (dim !== head) s.set('/attention/rope/dim', dim, `${from}: int(head_dim ${head} × ${factor})`);
}

function readRope(c: ConfigReader, s: SpecDraft, o: RopeOptions): void {
  const dict = ropeDict(c, o);
  if (!dict) return;
  const { params, from } = dict;
  const type = params.rope_type ?? params.type ?? 'default';
  const thetaRaw = params.rope_theta ?? c.value('rope_theta') ?? o.defaultTheta;
  const theta = typeof thetaRaw === 'number' && thetaRaw > 0 ? thetaRaw : c.bad('rope_theta', thetaRaw, 'it must be a number > 0');
  if (theta !== undefined) s.set('/attention/rope/theta', theta, params.rope_theta !== undefined ? `${from}.rope_theta` : c.has('rope_theta') ? 'rope_theta' : `${c.modelType} default rope_theta`);
  const partial = params.partial_rotary_factor ?? c.value('partial_rotary_factor');
  if (o.partialDefault !== undefined) readPartial(c, s, partial ?? o.partialDefault, params.partial_rotary_factor !== undefined ? `${from}.partial_rotary_factor` : c.has('partial_rotary_factor') ? 'partial_rotary_factor' : `partial_rotary_factor (absent: ${c.modelType} default ${o.partialDefault})`);
  else if (partial !== undefined && partial !== null && partial !== 1) c.refuse('partial_rotary_factor', partial, `transformers ${c.modelType} rotates the whole head (its apply_rotary_pos_emb has no partial form)`);
  if (type === 'default') return;
  if (type === 'linear') {
    s.set('/attention/rope/scaling', 'linear', `${from}.rope_type`);
    const f = num(c, params, 'factor', from);
    if (f !== undefined) s.set('/attention/rope/factor', f, `${from}.factor`);
    return;
  }
  if (type !== 'yarn') return c.refuse(`${from}.rope_type`, type, 'moec computes default, linear and yarn RoPE only');
  s.set('/attention/rope/scaling', 'yarn', `${from}.rope_type`);
  const context = c.value('max_position_embeddings');
  const original = params.original_max_position_embeddings ?? context;
  if (typeof original !== 'number' || !Number.isSafeInteger(original) || original < 1) return void c.bad(`${from}.original_max_position_embeddings`, original, 'it must be a whole number ≥ 1');
  s.set('/attention/rope/original_context', original, params.original_max_position_embeddings !== undefined ? `${from}.original_max_position_embeddings` : 'max_position_embeddings (no original_max_position_embeddings)');
  const factor = num(c, params, 'factor', from) ?? (typeof context === 'number' ? context / original : undefined);
  if (factor !== undefined) s.set('/attention/rope/factor', factor, params.factor !== undefined ? `${from}.factor` : 'max_position_embeddings / original_max_position_embeddings');
  for (const [key, specKey] of YARN_KEYS) {
    // transformers: `beta_fast or 32`, `if mscale and mscale_all_dim` — a 0 means unset.
    const v = params[key] === 0 ? undefined : num(c, params, key, from);
    if (v !== undefined) s.set(`/attention/rope/${specKey}`, v, `${from}.${key}`);
  }
  if (params.truncate !== undefined && params.truncate !== null) {
    if (typeof params.truncate !== 'boolean') return void c.bad(`${from}.truncate`, params.truncate, 'it must be true or false');
    if (!params.truncate) s.set('/attention/rope/truncate', false, `${from}.truncate`);
  }
}

function writePartial(ir: ModelIR, w: ConfigWriter, o: RopeOptions): void {
  const a = attentionOf(ir);
  const r = a.rope;
  const full = a.kind === 'mla' ? a.mla!.qkRopeHeadDim : a.headDim;
  if (o.partialDefault === undefined) {
    if (r.dim !== full) w.refuse(`attention.rope.dim ${r.dim}`, `transformers ${w.modelType} rotates all ${full} dimensions of each head`);
    return;
  }
  const factor = r.dim / full;
  if (Math.trunc(full * factor) !== r.dim) return w.refuse(`attention.rope.dim ${r.dim}`, `no partial_rotary_factor f gives int(${full} × f) = ${r.dim} in double precision`);
  w.set('partial_rotary_factor', float(factor));
}

function writeRope(ir: ModelIR, w: ConfigWriter, o: RopeOptions): void {
  const r = attentionOf(ir).rope;
  writePartial(ir, w, o);
  w.set('rope_theta', float(r.theta));
  if (r.scaling === 'none') return w.set('rope_scaling', null);
  if (r.scaling === 'linear') return w.set('rope_scaling', { rope_type: 'linear', factor: float(r.factor) });
  const y = r.yarn!;
  const dict: Record<string, ConfigValue> = {
    rope_type: 'yarn',
    factor: float(r.factor),
    original_max_position_embeddings: y.originalContext,
    beta_fast: float(y.betaFast),
    beta_slow: float(y.betaSlow),
  };
  if (y.mscale !== undefined) dict.mscale = float(y.mscale);
  if (y.mscaleAllDim !== undefined) dict.mscale_all_dim = float(y.mscaleAllDim);
  // attention_factor is written whenever it is not what transformers would derive.
  const derived = y.mscale !== undefined && y.mscaleAllDim !== undefined ? yarnMscale(r.factor, y.mscale) / yarnMscale(r.factor, y.mscaleAllDim) : yarnMscale(r.factor);
  if (derived !== y.attentionFactor) dict.attention_factor = float(y.attentionFactor);
  if (!y.truncate) dict.truncate = false;
  w.set('rope_scaling', dict);
}

export function ropeCodec(o: RopeOptions): Codec {
  return {
    fields: ['rope_theta', 'rope_scaling', 'rope_parameters', 'partial_rotary_factor'],
    read: (c, s) => readRope(c, s, o),
    write: (ir, w) => writeRope(ir, w, o),
  };
}
