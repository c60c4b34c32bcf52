/**
 * Reference forward pass — rotary frequencies (docs/semantics.md "RoPE"), written again from
 * transformers' `_compute_yarn_parameters` (src/transformers/modeling_rope_utils.py, v5) and
 * DeepSeek's attention scale (deepseek_v3/modeling_deepseek_v3.py, `yarn_get_mscale`), not
 * shared with src/ir/rope.ts. Float64 throughout.
 */
import type { AttentionIR, RopeIR } from '../../src/ir/types.js';

export interface RopeFrequencies {
  /** inv_freq per rotated pair. */
  invFreq: Float64Array;
  /** Factor on cos and sin. */
  scale: number;
}

const getMscale = (scale: number, m: number): number => (scale <= 1 ? 1 : 0.1 * m * Math.log(scale) + 1);

/** Frequencies of a rotary block of `dim` dimensions. */
export function ropeFrequencies(rope: RopeIR, dim: number): RopeFrequencies {
  const half = dim / 2;
  const base = Array.from({ length: half }, (_, i) => 1 / rope.theta ** ((2 * i) / dim));
  if (rope.scaling === 'linear') return { invFreq: Float64Array.from(base, (f) => f / rope.factor), scale: 1 };
  const y = rope.yarn;
  if (rope.scaling !== 'yarn' || !y) return { invFreq: Float64Array.from(base), scale: 1 };
  // The pair index where a wavelength fits `rotations` times into the original context.
  const dimFor = (rotations: number): number => (dim * Math.log(y.originalContext / (rotations * 2 * Math.PI))) / (2 * Math.log(rope.theta));
  let lo = dimFor(y.betaFast);
  let hi = dimFor(y.betaSlow);
  if (y.truncate) [lo, hi] = [Math.floor(lo), Math.ceil(hi)];
  lo = Math.max(lo, 0);
  hi = Math.min(hi, dim - 1);
  if (lo === hi) hi += 0.001;
  const invFreq = Float64Array.from(base, (extrapolated, i) => {
    const interpolated = extrapolated / rope.factor;
    const ramp = Math.min(Math.max((i - lo) / (hi - lo), 0), 1);
    // HF: extrapolation weight = 1 − ramp.
    return interpolated * ramp + extrapolated * (1 - ramp);
  });
  return { invFreq, scale: y.attentionFactor };
}

/** DeepSeek's extra softmax factor for MLA under YaRN: mscale(factor, mscale_all_dim)². */
export function softmaxMscale(a: AttentionIR): number {
  const all = a.rope.yarn?.mscaleAllDim;
  return a.kind === 'mla' && all !== undefined ? getMscale(a.rope.factor, all) ** 2 : 1;
}
