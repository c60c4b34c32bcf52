/**
 * IR phase — rotary position embeddings (docs/semantics.md §RoPE): resolving the spec's rope
 * block, and the per-pair inverse frequencies and cos/sin factor that both targets build their
 * tables from. YaRN follows transformers' `_compute_yarn_parameters` (v5,
 * src/transformers/modeling_rope_utils.py): the inverse frequencies blend interpolation
 * (÷ factor) and extrapolation with a linear ramp over the dimension pairs between the
 * correction dimensions of `beta_fast` and `beta_slow` rotations of the original context, and
 * cos/sin are multiplied by the attention factor. Terms: `dim` = rotary dimensions per head,
 * pair `i` ∈ [0, dim/2) rotates with `inv_freq[i]`.
 */
import type { ModelSpec, RopeSpec } from '../spec/types.js';
import type { RopeIR, YarnIR } from './types.js';

/** DeepSeek's `yarn_get_mscale` (transformers deepseek_v3/modeling_deepseek_v3.py, and rope utils' `get_mscale`). */
export function yarnMscale(scale: number, mscale = 1): number {
  return scale <= 1 ? 1 : 0.1 * mscale * Math.log(scale) + 1;
}

/**
 * The rope settings of a layer. `dim` is the rotary width (head_dim, rope.dim, or MLA's
 * qk_rope_head_dim). For yarn the factor defaults to context / original_context, and
 * original_context to context, as transformers' `standardize_rope_params` and
 * `_compute_yarn_parameters` do.
 */
export function resolveRope(r: RopeSpec | undefined, dim: number, context: number): RopeIR {
  const scaling = r?.scaling ?? 'none';
  const theta = r?.theta ?? 10000;
  if (scaling !== 'yarn') return { theta, dim, scaling, factor: r?.factor ?? 1 };
  const originalContext = r?.original_context ?? context;
  const factor = r?.factor ?? context / originalContext;
  let attentionFactor = r?.attention_factor;
  if (attentionFactor === undefined) {
    attentionFactor = r?.mscale !== undefined && r.mscale_all_dim !== undefined
      ? yarnMscale(factor, r.mscale) / yarnMscale(factor, r.mscale_all_dim)
      : yarnMscale(factor);
  }
  const yarn: YarnIR = {
    originalContext,
    betaFast: r?.beta_fast ?? 32,
    betaSlow: r?.beta_slow ?? 1,
    truncate: r?.truncate ?? true,
    attentionFactor,
    ...(r?.mscale !== undefined ? { mscale: r.mscale } : {}),
    ...(r?.mscale_all_dim !== undefined ? { mscaleAllDim: r.mscale_all_dim } : {}),
  };
  return { theta, dim, scaling, factor, yarn };
}

/** MLA's softmax scale factor for YaRN (DeepSeek-V2/V3 attention): mscale(factor, mscale_all_dim)², else 1. */
export function mlaSoftmaxFactor(spec: Pick<ModelSpec, 'attention'>, rope: RopeIR): number {
  const all = rope.yarn?.mscaleAllDim;
  return spec.attention.mla && all !== undefined ? yarnMscale(rope.factor, all) ** 2 : 1;
}

/**
 * The softmax scale attention computes when `softmax_scale` is not set: 1/√(qk head dim), × MLA's
 * YaRN factor. The Megatron target compares against it (Megatron-Core computes only this one).
 */
export function computedSoftmaxScale(a: { kind: string; headDim: number; rope: RopeIR }): number {
  const all = a.rope.yarn?.mscaleAllDim;
  const factor = a.kind === 'mla' && all !== undefined ? yarnMscale(a.rope.factor, all) ** 2 : 1;
  return factor / Math.sqrt(a.headDim);
}

/** HF `find_correction_dim`: the pair index whose wavelength fits `rotations` times in `context`. */
function correctionDim(rotations: number, dim: number, theta: number, context: number): number {
  return (dim * Math.log(context / (rotations * 2 * Math.PI))) / (2 * Math.log(theta));
}

/** The ramp's bounds (HF `find_correction_range`), in pair indices. */
export function yarnRange(rope: RopeIR & { yarn: YarnIR }): { low: number; high: number } {
  const { dim, theta, yarn } = rope;
  let low = correctionDim(yarn.betaFast, dim, theta, yarn.originalContext);
  let high = correctionDim(yarn.betaSlow, dim, theta, yarn.originalContext);
  if (yarn.truncate) {
    low = Math.floor(low);
    high = Math.ceil(high);
  }
  return { low: Math.max(low, 0), high: Math.min(high, dim - 1) };
}

/**
 * inv_freq[i] for i ∈ [0, dim/2), in float64 (targets round once to float32):
 * plain `theta^(−2i/dim)`; linear ÷ factor; YaRN `interp·ramp + extrap·(1 − ramp)` with
 * `ramp[i] = clamp((i − low) / (high − low), 0, 1)` (high += 0.001 when low = high).
 */
export function ropeInvFreq(rope: RopeIR): Float64Array {
  const half = rope.dim / 2;
  const out = new Float64Array(half);
  const range = rope.yarn ? yarnRange(rope as RopeIR & { yarn: YarnIR }) : undefined;
  const high = range && range.low === range.high ? range.high + 0.001 : range?.high;
  for (let i = 0; i < half; i++) {
    const extrapolation = 1 / Math.pow(rope.theta, (2 * i) / rope.dim);
    if (rope.scaling === 'linear') out[i] = extrapolation / rope.factor;
    else if (range) {
      const ramp = Math.min(1, Math.max(0, (i - range.low) / (high! - range.low)));
      out[i] = (extrapolation / rope.factor) * ramp + extrapolation * (1 - ramp);
    } else out[i] = extrapolation;
  }
  return out;
}

/** The factor on cos and sin: YaRN's attention factor, else 1. */
export function ropeCosSinFactor(rope: RopeIR): number {
  return rope.yarn?.attentionFactor ?? 1;
}
