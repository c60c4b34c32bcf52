/**
 * HF bridge codec — the router. What each model_type computes (transformers modeling code):
 * mixtral / qwen / olmoe softmax → top-k (mixtral always renormalises, qwen / olmoe by
 * `norm_topk_prob`); gpt_oss top-k of the biased logits, softmax over the k (= renormalised
 * softmax); deepseek_v3 sigmoid, `e_score_correction_bias` for the choice only, groups scored by
 * their top-2 sum, `norm_topk_prob`, `routed_scaling_factor` (glm4_moe: the same function,
 * Glm4MoeMoE.route_tokens_to_experts @ 000c33fd, fp32 router logits); deepseek_v2 softmax, `topk_method`
 * greedy or group_limited_greedy (group score = max), `routed_scaling_factor`. deepseek_v2's
 * native class never renormalises; DeepSeek's own modeling_deepseek.py does when
 * `norm_topk_prob` and top_k > 1 — moec follows DeepSeek's code (MOE7006 says so).
 * Training-only fields (balance-loss coefficients, jitter) go through router-losses-hf.ts, the
 * one conversion the HF export and the Megatron target share.
 */
import { findingDiagnostics, hfRouterFields } from '../../router-losses.js';
import { readTraining, trainingFields } from './router-training.js';
import type { ConfigReader } from '../config-reader.js';
import { float, type ConfigWriter } from '../config-writer.js';
import { moeLayerIndices, moeOf } from '../ir-view.js';
import type { Codec } from '../model-type.js';
import type { SpecDraft } from '../spec-draft.js';

export interface RouterOptions {
  score: 'softmax' | 'sigmoid';
  normTopK: 'always' | 'field' | 'deepseek_v2';
  groups: 'none' | 'v2' | 'v3';
  scaling?: boolean;
  /** A learned router bias (gpt_oss `mlp.router.bias`). */
  bias?: boolean;
  /** DeepSeek-V3's `e_score_correction_bias`. */
  scoreBias?: boolean;
  /** glm4_moe: routes as deepseek_v3 but its configs carry no remote-code topk_method / scoring_func. */
  noRemoteCodeFields?: boolean;
}

const R = '/moe/router';

function readGroups(c: ConfigReader, s: SpecDraft, o: RouterOptions): void {
  if (o.groups === 'v3') {
    const method = c.value('topk_method');
    if (method !== undefined && method !== 'noaux_tc') c.ignored('topk_method', method, 'transformers deepseek_v3 always routes as noaux_tc (sigmoid, top-2-sum groups)');
    const groups = c.int('n_group');
    const top = c.int('topk_group');
    if (groups === undefined || top === undefined || groups <= 1) return;
    s.set(`${R}/groups`, groups, 'n_group');
    s.set(`${R}/top_groups`, top, 'topk_group');
    s.set(`${R}/group_score`, 'top2_sum', 'deepseek_v3: sum of the top 2 per group');
    return;
  }
  if (o.groups !== 'v2') return;
  const method = c.str('topk_method');
  c.use('n_group', 'topk_group');
  if (method === 'greedy' || method === undefined) return;
  if (method !== 'group_limited_greedy') return c.refuse('topk_method', method, 'transformers deepseek_v2 routes with greedy or group_limited_greedy only');
  const groups = c.int('n_group');
  const top = c.int('topk_group');
  if (groups === undefined || top === undefined) return;
  s.set(`${R}/groups`, groups, 'n_group (group_limited_greedy)');
  s.set(`${R}/top_groups`, top, 'topk_group');
  s.set(`${R}/group_score`, 'max', 'group_limited_greedy: max per group');
}

function readNormTopK(c: ConfigReader, s: SpecDraft, o: RouterOptions, topK: number | undefined): void {
  if (o.normTopK === 'always') return s.set(`${R}/norm_topk`, true, `${c.modelType}: always renormalised`);
  const v = c.bool('norm_topk_prob');
  if (v === undefined) return;
  if (o.normTopK === 'deepseek_v2' && v && (topK ?? 0) > 1) {
    c.versions('norm_topk_prob', true, "transformers' native deepseek_v2 never renormalises; DeepSeek's modeling_deepseek.py does (top_k > 1); moec follows DeepSeek's code");
  }
  const norm = o.normTopK === 'deepseek_v2' ? v && (topK ?? 0) > 1 : v;
  s.set(`${R}/norm_topk`, norm, c.has('norm_topk_prob') ? 'norm_topk_prob' : `norm_topk_prob (absent: ${c.modelType} default ${v})`);
}

export function routerCodec(modelType: string, o: RouterOptions): Codec {
  return {
    fields: [
      'num_experts_per_tok', 'output_router_logits',
      ...(o.normTopK === 'always' ? [] : ['norm_topk_prob']),
      ...(o.scaling ? ['routed_scaling_factor'] : []),
      ...(o.groups === 'none' ? [] : ['n_group', 'topk_group', 'topk_method', 'scoring_func']),
      ...trainingFields(modelType),
    ],
    read(c, s) {
      c.use('output_router_logits');
      const topK = c.int('num_experts_per_tok');
      if (topK !== undefined) s.set(`${R}/top_k`, topK, 'num_experts_per_tok');
      s.set(`${R}/score`, o.score, `${c.modelType}: ${o.score}`);
      if (o.groups !== 'none') {
        const f = c.value('scoring_func');
        if (f !== undefined && f !== o.score) c.ignored('scoring_func', f, `transformers ${c.modelType} always scores with ${o.score}`);
      }
      readNormTopK(c, s, o, topK);
      if (o.scaling) {
        const sc = c.num('routed_scaling_factor');
        if (sc !== undefined && sc !== 1) s.set(`${R}/scaling`, sc, 'routed_scaling_factor');
      }
      readGroups(c, s, o);
      if (o.bias) s.set(`${R}/bias`, true, `${c.modelType}: mlp.router.bias`);
      if (o.scoreBias) s.set(`${R}/bias_update`, 0.001, 'e_score_correction_bias: moec keeps it when bias_update > 0; the rate is not in the config (DeepSeek-V3 §2.1.2 uses 0.001)');
      readTraining(c, s, topK);
    },
    write(ir, w) {
      const m = moeOf(ir);
      if (!m) return;
      const r = m.router;
      w.set('num_experts_per_tok', r.topK);
      if (r.score !== o.score) w.refuse(`moe.router.score ${r.score}`, `transformers ${w.modelType} scores with ${o.score}`);
      if (o.normTopK === 'always' && !r.normTopK) w.refuse('moe.router.norm_topk false', `transformers ${w.modelType} always renormalises the top-k weights`);
      if (o.normTopK !== 'always') w.set('norm_topk_prob', r.normTopK);
      if (o.scaling) w.set('routed_scaling_factor', float(r.scaling));
      else if (r.scaling !== 1) w.refuse(`moe.router.scaling ${r.scaling}`, `transformers ${w.modelType} has no routed_scaling_factor`);
      const want = o.groups === 'v3' ? 'top2_sum' : 'max';
      if (r.groups > 1 && (o.groups === 'none' || r.groupScore !== want)) w.refuse(`moe.router.groups ${r.groups} (${r.groupScore})`, o.groups === 'none' ? `transformers ${w.modelType} has no group-limited routing` : `transformers ${w.modelType} scores a group by its ${want === 'max' ? 'max' : 'top-2 sum'}`);
      if (o.groups === 'v3') Object.assign(w.fields, { n_group: r.groups, topk_group: r.topGroups }, o.noRemoteCodeFields ? {} : { topk_method: 'noaux_tc', scoring_func: 'sigmoid' });
      if (o.groups === 'v2') Object.assign(w.fields, r.groups > 1 ? { n_group: r.groups, topk_group: r.topGroups, topk_method: 'group_limited_greedy' } : { n_group: 1, topk_group: 1, topk_method: 'greedy' }, { scoring_func: 'softmax' });
      if (r.bias !== (o.bias ?? false)) w.refuse(`moe.router.bias ${r.bias}`, o.bias ? `transformers ${w.modelType}'s router always has a bias` : `transformers ${w.modelType}'s router has no bias`);
      if (o.scoreBias && r.biasUpdate === 0) w.refuse('moe.router without bias_update', `transformers ${w.modelType} always has e_score_correction_bias (aux-loss-free balancing): set router.bias_update`);
      const conv = hfRouterFields(r, w.modelType, { moeLayers: moeLayerIndices(ir).length });
      // 15 significant digits: α · L / K without the binary noise (0.15 × 24 / 4 is 0.8999999999999999).
      for (const [k, v] of Object.entries(conv.fields)) w.set(k, typeof v === 'number' ? float(Number(v.toPrecision(15))) : v);
      w.findings.push(...findingDiagnostics(conv.findings));
    },
  };
}
