/**
 * HF bridge codec — which layers are MoE, the dense FFN, the routed experts and the activation.
 * Layer rules (transformers): mixtral / olmoe / gpt_oss — every layer MoE; qwen2_moe /
 * qwen3_moe — MoE iff `i ∉ mlp_only_layers` and `(i + 1) % decoder_sparse_step == 0`
 * (Qwen2MoeDecoderLayer), dense width `intermediate_size`; deepseek — dense below
 * `first_k_dense_replace`, MoE from there (DeepseekV3DecoderLayer; the Hub remote code's
 * `moe_layer_freq` other than 1 is refused: the native class ignores it, so the two differ);
 * glm4_moe — the same rule (Glm4MoeDecoderLayer, dense width `intermediate_size`).
 * Activation: `hidden_act` silu → swiglu, gelu (exact erf) → geglu, for experts and dense
 * layers alike; gpt-oss experts are always its clamped SwiGLU (`swiglu_limit`, `swiglu_alpha`:
 * the v5 config fields; the modular file at 0261a467 hard-codes 7.0 / 1.702).
 */
import type { ModelIR, FfnIR } from '../../../ir/types.js';
import { createDiagnostic } from '../../../diagnostics/diagnostic.js';
import type { ConfigReader } from '../config-reader.js';
import { float, type ConfigWriter } from '../config-writer.js';
import { denseLayerIndices, denseOf, layerList, moeLayerIndices, moeOf } from '../ir-view.js';
import type { Codec } from '../model-type.js';
import type { SpecDraft } from '../spec-draft.js';
import { layersValue } from './layer-values.js';

export interface FfnOptions {
  layout: 'all-moe' | 'qwen' | 'deepseek';
  /** Config fields of the routed expert count and width. */
  experts: string;
  expertFfn: string;
  activation: 'hidden_act' | 'clamped_swiglu';
  expertBias?: boolean;
  /** glm4_moe: the deepseek layout rule without DeepSeek's remote-code `moe_layer_freq`. */
  noMoeLayerFreq?: boolean;
}

// transformers ACT2FN (activations.py): "swish" is the same SiLU module as "silu", and
// "gelu_python" the same exact-erf GELU as "gelu" (written out in Python).
const ACT: Record<string, string> = { silu: 'swiglu', swish: 'swiglu', gelu: 'geglu', gelu_python: 'geglu' };
const HF_ACT: Record<string, string> = { swiglu: 'silu', geglu: 'gelu' };

function moeRule(c: ConfigReader, o: FfnOptions, layers: number): number[] | undefined {
  if (o.layout === 'all-moe') return Array.from({ length: layers }, (_, i) => i);
  if (o.layout === 'deepseek') {
    const k = c.int('first_k_dense_replace', 0);
    const freq = c.value('moe_layer_freq');
    if (freq !== undefined && freq !== 1) c.refuse('moe_layer_freq', freq, 'transformers\' native class ignores it (MoE on every layer from first_k_dense_replace) while DeepSeek\'s remote code honours it: the two compute different functions');
    return k === undefined ? undefined : Array.from({ length: layers }, (_, i) => i).filter((i) => i >= k);
  }
  const step = c.int('decoder_sparse_step', 1);
  const only = c.value('mlp_only_layers') ?? [];
  if (!Array.isArray(only) || only.some((x) => typeof x !== 'number' || !Number.isSafeInteger(x))) return c.bad('mlp_only_layers', only, 'it must be a list of layer indices');
  if (step === undefined) return undefined;
  return Array.from({ length: layers }, (_, i) => i).filter((i) => !(only as number[]).includes(i) && (i + 1) % step === 0);
}

function readLayout(c: ConfigReader, s: SpecDraft, o: FfnOptions, act: string | undefined): void {
  const layers = c.layers();
  if (layers === undefined) return;
  const moe = moeRule(c, o, layers);
  if (!moe) return;
  s.moeLayers = moe;
  const dense = Array.from({ length: layers }, (_, i) => i).filter((i) => !moe.includes(i));
  if (dense.length === 0) return;
  const ffn = c.int('intermediate_size');
  if (ffn !== undefined) s.set('/dense/ffn', ffn, 'intermediate_size');
  if (act) s.set('/dense/activation', act, 'hidden_act');
  const why = o.layout === 'deepseek' ? 'first_k_dense_replace' : 'mlp_only_layers / decoder_sparse_step';
  s.set('/dense/layers', layersValue(dense), why);
  if (moe.length) s.set('/moe/layers', layersValue(moe), why);
}

function readActivation(c: ConfigReader, s: SpecDraft, o: FfnOptions): string | undefined {
  if (o.activation === 'clamped_swiglu') {
    c.use('hidden_act'); // gpt-oss experts ignore it
    s.set('/moe/experts/activation', 'clamped_swiglu', `${c.modelType}: GptOssExperts`);
    for (const [field, key, dflt] of [['swiglu_limit', 'swiglu_limit', 7], ['swiglu_alpha', 'swiglu_alpha', 1.702]] as const) {
      const v = c.num(field);
      if (v === undefined) continue;
      s.set(`/moe/experts/${key}`, v, c.has(field) ? field : `${field} (absent: ${dflt})`);
      if (v !== dflt) c.versions(field, v, `transformers' modular_gpt_oss.py at 0261a467 hard-codes ${dflt} whatever the config says, later versions read the field; moec follows the field`);
    }
    return undefined;
  }
  const hidden = c.str('hidden_act');
  if (hidden === undefined) return undefined;
  const act = ACT[hidden];
  if (!act) return void c.refuse('hidden_act', hidden, 'moec gates with SiLU (swiglu) or exact GELU (geglu) only');
  s.set('/moe/experts/activation', act, 'hidden_act');
  return act;
}

function writeActivation(f: FfnIR, w: ConfigWriter, o: FfnOptions, what: string): void {
  if (o.activation === 'clamped_swiglu') {
    if (f.activation !== 'clamped_swiglu') return w.refuse(`${what}.activation ${f.activation}`, `transformers ${w.modelType}'s experts use the clamped SwiGLU`);
    w.set('swiglu_limit', float(f.swigluLimit!));
    w.set('swiglu_alpha', float(f.swigluAlpha!));
    for (const [field, v, dflt] of [['swiglu_limit', f.swigluLimit!, 7], ['swiglu_alpha', f.swigluAlpha!, 1.702]] as const) {
      if (v !== dflt) w.findings.push(createDiagnostic('MOE7006', { args: { path: 'config.json', field, value: String(v), why: `transformers' modular_gpt_oss.py at 0261a467 hard-codes ${dflt}; versions that read the field compute the spec's function` } }));
    }
    return w.set('hidden_act', 'silu');
  }
  const hf = HF_ACT[f.activation];
  if (!hf) return w.refuse(`${what}.activation ${f.activation}`, `transformers ${w.modelType} gates its FFNs with hidden_act (swiglu or geglu in moec terms)`);
  w.set('hidden_act', hf);
}

function writeLayout(ir: ModelIR, w: ConfigWriter, o: FfnOptions): void {
  const moe = moeLayerIndices(ir);
  const dense = denseLayerIndices(ir);
  const d = denseOf(ir);
  if (o.layout === 'all-moe' && dense.length) return w.refuse(`dense layers ${layerList(dense)}`, `every layer of transformers ${w.modelType} is MoE`);
  if (o.layout === 'deepseek') {
    if (dense.some((l, k) => l !== k)) return w.refuse(`dense layers ${layerList(dense)}`, 'DeepSeek\'s dense layers are the first first_k_dense_replace');
    w.set('first_k_dense_replace', dense.length);
    if (!o.noMoeLayerFreq) w.set('moe_layer_freq', 1);
  }
  if (o.layout === 'qwen') {
    const step = [...Array(Math.max(1, ir.layers.length)).keys()].map((k) => k + 1).find((s) => moe.every((i) => (i + 1) % s === 0)) ?? 1;
    w.set('decoder_sparse_step', step);
    w.set('mlp_only_layers', ir.layers.map((l) => l.index).filter((i) => (i + 1) % step === 0 && !moe.includes(i)));
  }
  if (d) {
    if (d.bias) w.refuse('dense.bias true', `transformers ${w.modelType}'s dense MLP has no biases`);
    const ffns = new Set(ir.layers.flatMap((l) => (l.ffn.kind === 'dense' ? [l.ffn.ffn] : [])));
    if (ffns.size > 1) w.refuse('dense FFN widths', `transformers ${w.modelType} has one intermediate_size`);
    w.set('intermediate_size', d.ffn);
  }
}

export function ffnCodec(o: FfnOptions): Codec {
  const layoutFields = { 'all-moe': [], qwen: ['decoder_sparse_step', 'mlp_only_layers', 'intermediate_size'], deepseek: ['first_k_dense_replace', 'moe_layer_freq', 'intermediate_size'] }[o.layout];
  return {
    fields: [o.experts, o.expertFfn, 'hidden_act', ...layoutFields, ...(o.activation === 'clamped_swiglu' ? ['swiglu_limit', 'swiglu_alpha'] : [])],
    read(c, s) {
      const count = c.int(o.experts);
      const ffn = c.int(o.expertFfn);
      if (count !== undefined) s.set('/moe/experts/count', count, o.experts);
      if (ffn !== undefined) s.set('/moe/experts/ffn', ffn, o.expertFfn);
      if (o.expertBias) s.set('/moe/experts/bias', true, `${c.modelType}: always`);
      const act = readActivation(c, s, o);
      readLayout(c, s, o, act);
    },
    write(ir, w) {
      const m = moeOf(ir);
      if (!m) return w.refuse('a model without MoE layers', `transformers ${w.modelType} is a mixture of experts`);
      w.set(o.experts, m.experts);
      w.set(o.expertFfn, m.expert.ffn);
      writeActivation(m.expert, w, o, 'moe.experts');
      if (m.expert.bias !== (o.expertBias ?? false)) w.refuse(`moe.experts.bias ${m.expert.bias}`, o.expertBias ? `transformers ${w.modelType}'s experts always have biases` : `transformers ${w.modelType}'s experts have no biases`);
      const d = denseOf(ir);
      if (d && d.activation !== m.expert.activation) w.refuse(`dense.activation ${d.activation}`, `transformers ${w.modelType} has one hidden_act for dense layers and experts`);
      writeLayout(ir, w, o);
    },
  };
}
