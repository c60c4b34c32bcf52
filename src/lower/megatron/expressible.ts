/**
 * Megatron-Core target — what Megatron can state, as small decisions over resolved values. The
 * refusal checks (refusals.ts, on the spec with the IR's defaults) and the emitter (mapping/, on
 * the IR) both ask these, so `moec check --target megatron` refuses exactly what the emitter
 * cannot write. Each decision cites the Megatron code (core_v0.19.0) that makes it so.
 */
import type { Activation, GroupScore, NormType, OptimizerType, RouterScore } from '../../spec/types.js';

/**
 * Megatron's activations: `--swiglu` (SiLU-gated), else `F.gelu` ungated (argument_utils.py:314,
 * transformer_config.py:217); `--quick-geglu` is x·σ(1.702x)-gated, which with
 * `--glu-linear-offset 1 --activation-func-clamp-value L` is gpt-oss's clamped SwiGLU (mlp.py:320–331,
 * moe/experts.py:862–872); `--squared-relu` is relu². Gated GELU, ReLU and SiLU have no flag
 * (`gated_linear_unit` is not an argument, arguments.py:2244).
 */
export const ACTIVATION_GAPS: Partial<Record<Activation, string>> = {
  geglu: 'exact gated GELU (--quick-geglu is the sigmoid approximation x·σ(1.702x) with an offset on the linear half)',
  relu: 'plain ReLU FFN (--squared-relu is relu(x)²)',
  silu: 'ungated SiLU FFN (--swiglu is the gated form)',
};

/** quick_gelu's fixed gain (megatron/core/activations.py:17): clamped_swiglu's alpha must be it. */
export const QUICK_GELU_ALPHA = 1.702;

export interface BiasSet {
  /** Absent with MLA: Megatron's MLA q/kv projections never have a bias (multi_latent_attention.py:516–610). */
  qkv?: boolean;
  out: boolean;
  /** Absent when no layer is dense. */
  dense?: boolean;
  /** Absent without MoE layers; the shared experts follow the routed experts (src/ir/defaults.ts). */
  experts?: boolean;
  router?: boolean;
}

export type BiasMode = 'none' | 'qkv' | 'all';

/**
 * `add_bias_linear` puts a bias on every linear — qkv, output, FFN, experts, shared experts and
 * the router (router.py:64) — and `add_qkv_bias` adds one to qkv alone (transformer_config.py:205–211).
 */
export function biasMode(b: BiasSet): { mode?: BiasMode; on: string[]; off: string[] } {
  const members: [string, boolean | undefined][] = [
    ['attention.qkv_bias', b.qkv],
    ['attention.out_bias', b.out],
    ['dense.bias', b.dense],
    ['moe.experts.bias', b.experts],
    ['moe.router.bias', b.router],
  ];
  const present = members.filter((m): m is [string, boolean] => m[1] !== undefined);
  const on = present.filter((m) => m[1]).map((m) => m[0]);
  const off = present.filter((m) => !m[1]).map((m) => m[0]);
  if (on.length === 0) return { mode: 'none', on, off };
  if (off.length === 0) return { mode: 'all', on, off };
  if (on.length === 1 && on[0] === 'attention.qkv_bias') return { mode: 'qkv', on, off };
  return { on, off };
}

export type RouterWeights = { preSoftmax: boolean } | { code: 'MOE8007' | 'MOE8102'; why: string };

/**
 * topk_routing_with_score_function (moe_utils.py:710): softmax without pre-softmax takes the
 * top-k logits and softmaxes them (= moec's renormalised weights); `--moe-router-pre-softmax`
 * softmaxes over all experts first (= norm_topk false). Sigmoid weights are renormalised
 * exactly when top_k > 1. Top-1 softmax must be pre-softmax (transformer_config.py:2328).
 */
export function routerWeights(score: RouterScore, normTopK: boolean, topK: number): RouterWeights {
  if (score === 'softmax') {
    if (!normTopK) return { preSoftmax: true };
    if (topK === 1) return { code: 'MOE8102', why: 'top-1 softmax' };
    return { preSoftmax: false };
  }
  if (topK > 1 && !normTopK) return { code: 'MOE8007', why: 'Megatron-Core always renormalises sigmoid weights when top_k > 1' };
  if (topK === 1 && normTopK) return { code: 'MOE8007', why: 'Megatron-Core does not renormalise a single sigmoid weight (moec\'s would always be 1)' };
  return { preSoftmax: false };
}

export interface GroupRouting {
  groups: number;
  topGroups: number;
  groupScore: GroupScore;
  topK: number;
  score: RouterScore;
  preSoftmax: boolean;
}

/**
 * group_limited_topk (moe_utils.py:617): a group scores the sum of its top (top_k // top_groups)
 * scores — on the logits when softmax is applied after the top-k. `limit` false: every group is
 * kept (top_groups = groups), so no group flags are needed.
 */
export function groupRouting(g: GroupRouting): { limit: boolean; code?: 'MOE8008' | 'MOE8009'; per: number } {
  const per = Math.floor(g.topK / g.topGroups);
  if (g.groups <= 1 || g.topGroups >= g.groups) return { limit: false, per };
  if ((g.groupScore === 'max' && per !== 1) || (g.groupScore === 'top2_sum' && per !== 2)) return { limit: true, code: 'MOE8008', per };
  if (g.groupScore === 'top2_sum' && g.score === 'softmax' && !g.preSoftmax) return { limit: true, code: 'MOE8009', per };
  return { limit: true, per };
}

/** Megatron's `--optimizer` choices (arguments.py:2776): Adam with decoupled decay (optimizer_config.py), SGD, Lion. */
export const OPTIMIZER_GAPS: Partial<Record<OptimizerType, string>> = {
  adam: 'coupled Adam (weight decay added to the gradient); its Adam decays weights decoupled, like adamw',
  adafactor: 'Adafactor',
};

/** Norms that Megatron builds with `--normalization` but moec always builds as RMSNorm. */
export function rmsOnlyNorms(norm: NormType, qkNorm: boolean, mla: boolean): string | undefined {
  if (norm !== 'layernorm') return undefined;
  if (mla) return 'MLA\'s latent q/kv norms (--qk-layernorm)';
  if (qkNorm) return 'the per-head q/k norms (--qk-layernorm)';
  return undefined;
}

/** `is_layer_window_attention` (transformer/utils.py:495): layer number n (1-based) is windowed by freq N iff n % N ≠ 0, or by list[n − 1]. */
export type WindowSkip = { kind: 'all' } | { kind: 'freq'; n: number } | { kind: 'list'; values: number[] };

export function windowSkip(windowed: readonly boolean[]): WindowSkip {
  if (windowed.every(Boolean)) return { kind: 'all' };
  for (let n = 2; n <= windowed.length; n++) {
    if (windowed.every((w, i) => w === ((i + 1) % n !== 0))) return { kind: 'freq', n };
  }
  return { kind: 'list', values: windowed.map((w) => (w ? 1 : 0)) };
}

export function isWindowedLayer(skip: WindowSkip, layerNumber: number): boolean {
  if (skip.kind === 'all') return true;
  if (skip.kind === 'freq') return layerNumber % skip.n !== 0;
  return Boolean(skip.values[layerNumber - 1]);
}
