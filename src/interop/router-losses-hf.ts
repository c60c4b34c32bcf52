/**
 * Interop — the router keys as Hugging Face config fields, per model_type (the HF export calls
 * it). Which fields each model_type reads is data (HF_ROUTER_TYPES); the conversion and the
 * findings (router-losses.ts explains them) are small functions.
 *
 * transformers' balance loss (load_balancing_loss_func, src/transformers/models/mixtral/
 * modeling_mixtral.py at 00d4b3d2142cb4ced2f51b90614b5d26bc045015, copied into qwen2_moe,
 * qwen3_moe, olmoe, gpt_oss) concatenates the router logits of all L MoE layers, takes the
 * softmax P and the plain top-K f over those L·T rows (real tokens by attention_mask), and
 * returns E · Σ_k Σ_e f_{k,e} · P_e = K · E · Σ_e f_e P_e; the model adds
 * router_aux_loss_coef × that, only when output_router_logits is true. moec adds α · E · Σ_e
 * f_e P_e per layer. With equal expert shares f in every layer the two agree exactly for
 * router_aux_loss_coef = α · L / K; otherwise pooling mixes layers and no coefficient matches.
 */
import type { RouterIR } from '../ir/types.js';
import { formatNumber, type RouterFinding, type RouterFindingCode } from './router-losses.js';

export interface HfRouterType {
  /** Config field of the balance-loss coefficient (transformers' load_balancing_loss_func), if any. */
  auxCoef?: string;
  /** Config field of the router jitter (Mixtral multiplies the whole MoE input, experts included). */
  jitter?: string;
  /** DeepSeek hub configs carry `aux_loss_alpha` / `seq_aux` for their remote code; native transformers ignores them. */
  remoteAux?: boolean;
  /** The model has a per-expert selection bias buffer (DeepSeek-V3 `e_score_correction_bias`). */
  scoreBias?: boolean;
  /** Where the fields are read. */
  source: string;
}

/** model_type → the router fields it reads (transformers configuration_*.py / modeling_*.py). */
export const HF_ROUTER_TYPES: Record<string, HfRouterType> = {
  mixtral: { auxCoef: 'router_aux_loss_coef', jitter: 'router_jitter_noise', source: 'mixtral/configuration_mixtral.py, modeling_mixtral.py (MixtralSparseMoeBlock jitter)' },
  qwen2_moe: { auxCoef: 'router_aux_loss_coef', source: 'qwen2_moe/configuration_qwen2_moe.py' },
  qwen3_moe: { auxCoef: 'router_aux_loss_coef', source: 'qwen3_moe/configuration_qwen3_moe.py' },
  olmoe: { auxCoef: 'router_aux_loss_coef', source: 'olmoe/configuration_olmoe.py' },
  gpt_oss: { auxCoef: 'router_aux_loss_coef', source: 'gpt_oss/configuration_gpt_oss.py' },
  deepseek_v2: { remoteAux: true, source: 'deepseek_v2/configuration_deepseek_v2.py; hub remote code modeling_deepseek.py MoEGate' },
  deepseek_v3: { remoteAux: true, scoreBias: true, source: 'deepseek_v3/modeling_deepseek_v3.py (e_score_correction_bias); hub config.json' },
  granitemoe: { auxCoef: 'router_aux_loss_coef', source: 'granitemoe/modeling_granitemoe.py (load_balancing_loss_func, as mixtral, on the full router logits)' },
  granitemoeshared: { auxCoef: 'router_aux_loss_coef', source: 'granitemoeshared/modular_granitemoeshared.py (GraniteMoeForCausalLM\'s loss)' },
  glm4_moe: { scoreBias: true, source: 'glm4_moe/modeling_glm4_moe.py @ 000c33fd (e_score_correction_bias; Glm4MoeForCausalLM computes no balance loss)' },
};

export interface HfRouterContext {
  /** Number of MoE layers (L_moe): the layers whose router logits transformers pools. */
  moeLayers: number;
}

export interface HfRouterFields {
  fields: Record<string, number | boolean>;
  findings: RouterFinding[];
}

const at = (key: string) => (key ? `/moe/router/${key}` : '/moe/router');
const finding = (code: RouterFindingCode, key: string, value: string | number, emitted: string, why: string, type: string): RouterFinding => ({
  code,
  at: at(key),
  args: { target: `Hugging Face ${type}`, key, value: String(value), emitted, why },
});

function balanceFields(r: RouterIR, type: string, t: HfRouterType, ctx: HfRouterContext, out: HfRouterFields): void {
  const a = r.auxLoss;
  if (t.auxCoef) {
    const coef = (a * ctx.moeLayers) / r.topK;
    out.fields[t.auxCoef] = coef;
    if (a === 0) return;
    const emitted = `${t.auxCoef} ${formatNumber(coef)}`;
    if (ctx.moeLayers > 1) {
      out.findings.push(finding('MOE3811', 'aux_loss', a, emitted, `transformers pools the router logits of all ${ctx.moeLayers} MoE layers into one f and P and multiplies by top_k (load_balancing_loss_func); α × ${ctx.moeLayers} / ${r.topK} reproduces moec's per-layer sum only when every layer routes the same expert shares`, type));
    } else {
      out.findings.push(finding('MOE3812', 'aux_loss', a, emitted, `transformers multiplies its balance loss by top_k ${r.topK}; it is added only when output_router_logits is true`, type));
    }
    if (r.auxLossType !== 'batch') out.findings.push(finding('MOE3811', 'aux_loss_type', r.auxLossType, emitted, 'transformers balances the whole forward batch at once; it has no sequence-wise or global-batch balance loss', type));
    if (r.score !== 'softmax') out.findings.push(finding('MOE3811', 'aux_loss', a, emitted, `transformers takes P from the softmax of the router logits; this router scores with ${r.score}`, type));
    return;
  }
  if (a === 0) return;
  if (t.remoteAux && r.auxLossType !== 'global') {
    out.fields.aux_loss_alpha = a;
    out.fields.seq_aux = r.auxLossType === 'sequence';
    out.findings.push(finding('MOE3811', 'aux_loss', a, `aux_loss_alpha ${formatNumber(a)}, seq_aux ${r.auxLossType === 'sequence'}`, `native transformers ${type} computes no balance loss; aux_loss_alpha and seq_aux are read only by DeepSeek's hub remote code`, type));
    return;
  }
  out.findings.push(finding('MOE3811', 'aux_loss', a, 'nothing', `transformers ${type} has no balance-loss field`, type));
}

/**
 * The router's HF config fields for `modelType` (a key of HF_ROUTER_TYPES; others are refused),
 * with findings for what transformers computes differently or cannot express.
 */
export function hfRouterFields(r: RouterIR, modelType: string, ctx: HfRouterContext): HfRouterFields {
  const out: HfRouterFields = { fields: {}, findings: [] };
  const t = HF_ROUTER_TYPES[modelType];
  if (!t) {
    out.findings.push({ code: 'MOE3810', at: at(''), args: { target: 'Hugging Face', key: 'model_type', value: modelType, why: `no router mapping for this model_type (known: ${Object.keys(HF_ROUTER_TYPES).join(', ')})` } });
    return out;
  }
  balanceFields(r, modelType, t, ctx, out);
  const none = (key: string, value: number | string, why: string) => out.findings.push(finding('MOE3811', key, value, 'nothing', why, modelType));
  if (r.zLoss > 0) none('z_loss', r.zLoss, 'transformers MoE models have no router z-loss');
  if (r.biasUpdate > 0 && t.scoreBias) none('bias_update', r.biasUpdate, 'the score bias is exported as e_score_correction_bias, but transformers never updates it (no rate)');
  if (r.biasUpdate > 0 && !t.scoreBias) {
    out.findings.push({ code: 'MOE3810', at: at('bias_update'), args: { target: `Hugging Face ${modelType}`, key: 'bias_update', value: formatNumber(r.biasUpdate), why: 'the model has no per-expert selection bias, so routing would differ at inference' } });
  }
  if (r.capacityFactor !== undefined && r.overflow === 'drop') none('capacity_factor', r.capacityFactor, "transformers' MoE blocks are dropless: where moec drops an assignment (training and inference), transformers computes it");
  if (t.jitter) out.fields[t.jitter] = r.jitter;
  if (r.jitter > 0) {
    const emitted = t.jitter ? `${t.jitter} ${formatNumber(r.jitter)}` : 'nothing';
    none('jitter', r.jitter, t.jitter ? 'transformers multiplies the whole MoE input by the noise, so the experts see it too; moec only the router input' : `transformers ${modelType} has no router jitter`);
    out.findings[out.findings.length - 1]!.args.emitted = emitted;
  }
  return out;
}
