/**
 * Megatron-Core target — YaRN as Megatron computes it (core_v0.19.0), against moec's resolved
 * YaRN (src/ir/rope.ts, transformers' `_compute_yarn_parameters`). Both the refusals and the
 * rope rows ask `megatronYarn`, so what passes `moec check` lowers.
 *
 * YarnRotaryEmbedding (models/common/embeddings/yarn_rotary_pos_embedding.py) blends the
 * interpolated and extrapolated inverse frequencies with the same ramp between the correction
 * dims of beta_fast and beta_slow rotations of the original context (rounded unless
 * correction_range_round_to_int is false; l.127–139, 227–249), and multiplies cos and sin by
 * mscale(f, mscale) / mscale(f, mscale_all_dim) (l.252–272), mscale(f, m) = 0.1·m·ln f + 1 for
 * f > 1 — transformers' formulas. It rotates all `kv_channels` dims: --rotary-percent is not
 * applied (l.66–88).
 *
 * Without MLA, `--position-embedding-type yarn` reads every parameter from a flag
 * (argument_utils.py:384–414, gpt_model.py:190–209). With MLA, MLATransformerConfig
 * (transformer_config.py:2899) has flags only for the factor, mscale and mscale_all_dim;
 * original_max_position_embeddings (4096), beta_fast (32) and beta_slow (1) are fixed, and the
 * ramp is always rounded (multi_latent_attention.py:188–199). MLA's softmax scale is
 * mscale(f, mscale_all_dim)² / √d (l.177–178) — moec's AttentionIR.scale for MLA with YaRN.
 */
import { yarnMscale } from '../../ir/rope.js';
import type { RopeIR, YarnIR } from '../../ir/types.js';

/** MLATransformerConfig's fixed YaRN parameters (no flag). */
export const MLA_YARN = { originalContext: 4096, betaFast: 32, betaSlow: 1 } as const;

export interface MegatronYarn {
  factor: number;
  originalContext: number;
  betaFast: number;
  betaSlow: number;
  /** Round the ramp bounds (moec's `truncate`). */
  roundToInt: boolean;
  mscale: number;
  mscaleAllDim: number;
}

/** A YaRN setting Megatron cannot state (MOE8006): the spec key, why, and what to do. */
export interface YarnGap {
  at: string;
  why: string;
  hint: string;
}

/** Megatron's cos/sin factor for --mscale m and --mscale-all-dim a (`_yarn_get_concentration_factor`). */
export function megatronYarnFactor(factor: number, mscale: number, mscaleAllDim: number): number {
  return yarnMscale(factor, mscale) / yarnMscale(factor, mscaleAllDim);
}

/**
 * `--mscale` and `--mscale-all-dim` that reproduce moec's cos/sin factor (and, with MLA, its
 * softmax scale): mscale_all_dim as written (Megatron's default 0 gives a softmax factor of 1,
 * as moec without it), and mscale as written when that gives moec's factor exactly, else the
 * mscale that does (an explicit attention_factor), as the double that Python reads back exactly
 * (Megatron's factor then equals moec's to within a few ulps).
 */
function mscaleArgs(factor: number, y: YarnIR): { mscale: number; mscaleAllDim: number } | undefined {
  const mscaleAllDim = y.mscaleAllDim ?? 0;
  const written = y.mscale ?? 1;
  if (megatronYarnFactor(factor, written, mscaleAllDim) === y.attentionFactor) return { mscale: written, mscaleAllDim };
  if (factor <= 1) return undefined; // Megatron's factor is then 1, whatever the mscales.
  const mscale = (y.attentionFactor * yarnMscale(factor, mscaleAllDim) - 1) / (0.1 * Math.log(factor));
  return { mscale, mscaleAllDim };
}

export function megatronYarn(rope: RopeIR, mla: boolean, headDim: number): { yarn?: MegatronYarn; gaps: YarnGap[] } {
  const y = rope.yarn;
  if (rope.scaling !== 'yarn' || !y) return { gaps: [] };
  const gaps: YarnGap[] = [];
  const fixed = (key: string, value: number | boolean, megatron: number | boolean) =>
    gaps.push({
      at: `/attention/rope/${key}`,
      why: `with mla Megatron-Core fixes ${key} at ${megatron} (MLATransformerConfig, no flag), but the spec's is ${value}`,
      hint: `nearest: ${key} ${megatron} — a different RoPE, so only when training from scratch`,
    });
  if (mla) {
    if (y.originalContext !== MLA_YARN.originalContext) fixed('original_context', y.originalContext, MLA_YARN.originalContext);
    if (y.betaFast !== MLA_YARN.betaFast) fixed('beta_fast', y.betaFast, MLA_YARN.betaFast);
    if (y.betaSlow !== MLA_YARN.betaSlow) fixed('beta_slow', y.betaSlow, MLA_YARN.betaSlow);
    if (!y.truncate) fixed('truncate', false, true);
  } else if (rope.dim !== headDim) {
    gaps.push({
      at: '/attention/rope/dim',
      why: `Megatron-Core's YaRN rotates all ${headDim} dims of each head (it does not apply --rotary-percent), but rope.dim is ${rope.dim}`,
      hint: 'rotate the whole head (remove rope.dim), or use scaling linear or none',
    });
  }
  const m = mscaleArgs(rope.factor, y);
  if (!m) {
    gaps.push({
      at: '/attention/rope/attention_factor',
      why: `with factor ${rope.factor} ≤ 1 Megatron-Core multiplies cos and sin by 1, but the attention factor is ${y.attentionFactor}`,
      hint: 'remove attention_factor, or use a factor above 1',
    });
  }
  if (gaps.length || !m) return { gaps };
  return {
    yarn: { factor: rope.factor, originalContext: y.originalContext, betaFast: y.betaFast, betaSlow: y.betaSlow, roundToInt: y.truncate, ...m },
    gaps,
  };
}
