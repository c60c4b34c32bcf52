/**
 * IR resolution of what real models compute (issue 8 §1): YaRN parameters as transformers
 * resolves them (`_compute_yarn_parameters`, `standardize_rope_params`), the MLA softmax scale,
 * the q/k-norm shapes, the clamped-SwiGLU constants, LayerNorm without bias and the LM head
 * bias. Expected values are derived by hand in the comments (float64; toBeCloseTo to 12 digits).
 */
import { describe, expect, it } from 'vitest';
import { buildIR } from '../../src/ir/build-ir.js';
import { ropeInvFreq, yarnRange } from '../../src/ir/rope.js';
import type { RopeIR, YarnIR } from '../../src/ir/types.js';
import type { ModelSpec } from '../../src/spec/types.js';
import { tinySpec } from './fixtures.js';

const ir = (spec: ModelSpec) => buildIR(spec).value;
const attn = (spec: ModelSpec) => ir(spec).layers[0]!.attention;

describe('YaRN resolution (the shipped specs\' HF configs)', () => {
  it('gpt-oss-20b: factor 32 over 4096, betas 32/1, truncate false, theta 150000, head_dim 64', () => {
    const a = attn({ ...tinySpec, context: 131072, attention: { heads: 4, head_dim: 64, rope: { theta: 150000, scaling: 'yarn', factor: 32, original_context: 4096, beta_fast: 32, beta_slow: 1, truncate: false } } });
    // attention factor = 0.1·ln 32 + 1 (no mscale keys)
    expect(a.rope.yarn!.attentionFactor).toBeCloseTo(0.1 * Math.log(32) + 1, 12);
    // low = 64·ln(4096 / (32·2π)) / (2·ln 150000), high = 64·ln(4096 / (1·2π)) / (2·ln 150000); not rounded
    const { low, high } = yarnRange(a.rope as RopeIR & { yarn: YarnIR });
    expect(low).toBeCloseTo((64 * Math.log(4096 / (64 * Math.PI))) / (2 * Math.log(150000)), 12);
    expect(high).toBeCloseTo((64 * Math.log(4096 / (2 * Math.PI))) / (2 * Math.log(150000)), 12);
    expect(low).toBeCloseTo(8.0928, 4);
    expect(high).toBeCloseTo(17.3980, 4);
    // pairs below low extrapolate (plain rope), pairs at or above high interpolate (÷ 32)
    const inv = ropeInvFreq(a.rope);
    expect(inv[0]).toBe(1);
    expect(inv[8]).toBeCloseTo(150000 ** (-16 / 64), 15);
    expect(inv[18]).toBeCloseTo(150000 ** (-36 / 64) / 32, 15);
    const ramp = (12 - low) / (high - low);
    expect(inv[12]).toBeCloseTo(150000 ** (-24 / 64) * (ramp / 32 + 1 - ramp), 15);
    expect(a.scale).toBe(1 / 8); // not MLA: no softmax mscale
  });

  it('DeepSeek-V3: factor 40, mscale = mscale_all_dim = 1 → cos/sin × 1, softmax × (0.1·ln 40 + 1)²', () => {
    const a = attn({
      ...tinySpec,
      context: 163840,
      attention: {
        heads: 4,
        rope: { scaling: 'yarn', factor: 40, original_context: 4096, beta_fast: 32, beta_slow: 1, mscale: 1, mscale_all_dim: 1 },
        mla: { q_lora_rank: 8, kv_lora_rank: 8, qk_nope_head_dim: 128, qk_rope_head_dim: 64, v_head_dim: 128 },
      },
    });
    expect(a.rope.yarn!.attentionFactor).toBe(1);
    expect(a.scale).toBeCloseTo((0.1 * Math.log(40) + 1) ** 2 / Math.sqrt(192), 14);
    expect(a.mla!.normEps).toBe(1e-6);
    expect(a.rope.dim).toBe(64);
    // truncate (default true): floor / ceil of 64·ln(4096/(32·2π))/(2·ln 10000) = 10.47 and 64·ln(4096/2π)/(2·ln 10000) = 22.51
    expect(yarnRange(a.rope as RopeIR & { yarn: YarnIR })).toEqual({ low: 10, high: 23 });
  });

  it('DeepSeek-V2-Lite: mscale = mscale_all_dim = 0.707 → cos/sin × 1, softmax × (0.0707·ln 40 + 1)²', () => {
    const a = attn({
      ...tinySpec,
      context: 163840,
      attention: {
        heads: 4,
        rope: { scaling: 'yarn', factor: 40, original_context: 4096, mscale: 0.707, mscale_all_dim: 0.707 },
        mla: { kv_lora_rank: 8, qk_nope_head_dim: 128, qk_rope_head_dim: 64, v_head_dim: 128 },
      },
    });
    expect(a.rope.yarn!.attentionFactor).toBe(1);
    expect(a.scale).toBeCloseTo((0.0707 * Math.log(40) + 1) ** 2 / Math.sqrt(192), 14);
  });

  it('defaults: original_context = context, factor = context / original_context, betas 32 / 1, truncate', () => {
    const r = attn({ ...tinySpec, context: 1024, attention: { heads: 4, rope: { scaling: 'yarn', original_context: 256 } } }).rope;
    expect(r.factor).toBe(4);
    expect(r.yarn).toEqual({ originalContext: 256, betaFast: 32, betaSlow: 1, truncate: true, attentionFactor: 0.1 * Math.log(4) + 1 });
    const explicit = attn({ ...tinySpec, attention: { heads: 4, rope: { scaling: 'yarn', factor: 4, attention_factor: 1.25, mscale: 1, mscale_all_dim: 0.5 } } }).rope;
    expect(explicit.yarn!.attentionFactor).toBe(1.25);
    expect(explicit.yarn!.originalContext).toBe(tinySpec.context);
    // Only mscale_all_dim: the cos/sin factor is the default (transformers needs both for the ratio)
    const allDim = attn({ ...tinySpec, attention: { heads: 4, rope: { scaling: 'yarn', factor: 4, mscale_all_dim: 0.5 } } }).rope;
    expect(allDim.yarn!.attentionFactor).toBeCloseTo(0.1 * Math.log(4) + 1, 14);
  });

  it('linear scaling divides every frequency; no scaling leaves them', () => {
    const lin = attn({ ...tinySpec, attention: { heads: 4, rope: { scaling: 'linear', factor: 2, theta: 100 } } }).rope;
    expect(lin.yarn).toBeUndefined();
    expect(Array.from(ropeInvFreq(lin)).slice(0, 2)).toEqual([0.5, 100 ** (-2 / 16) / 2]);
  });
});

describe('tensors and constants of the other features', () => {
  const names = (spec: ModelSpec) => ir(spec).tensors.filter((t) => t.layer === 0 || t.layer === undefined).map((t) => `${t.name} [${t.shape}]`);

  it('qk_norm full: [heads·head_dim] and [kv_heads·head_dim]; head / true: [head_dim]', () => {
    const full = names({ ...tinySpec, attention: { heads: 4, kv_heads: 2, head_dim: 8, qk_norm: 'full' } });
    expect(full).toContain('layers.0.attn.q_norm.weight [32]');
    expect(full).toContain('layers.0.attn.k_norm.weight [16]');
    for (const mode of ['head', true] as const) {
      const head = names({ ...tinySpec, attention: { heads: 4, kv_heads: 2, head_dim: 8, qk_norm: mode } });
      expect(head).toContain('layers.0.attn.q_norm.weight [8]');
      expect(head).toContain('layers.0.attn.k_norm.weight [8]');
    }
    expect(attn({ ...tinySpec, attention: { heads: 4, qk_norm: false } }).qkNorm).toBe('none');
    expect(attn({ ...tinySpec, attention: { heads: 4, qk_norm: true, clip_qkv: 8 } })).toMatchObject({ qkNorm: 'head', clipQkv: 8 });
  });

  it('clamped_swiglu: gpt-oss constants by default, the shared experts inherit the routed ones', () => {
    const m = ir({ ...tinySpec, moe: { ...tinySpec.moe!, experts: { count: 4, ffn: 8, activation: 'clamped_swiglu', swiglu_limit: 5 } } }).layers[0]!.ffn;
    if (m.kind !== 'moe') throw new Error('expected moe');
    expect(m.expert).toEqual({ ffn: 8, activation: 'clamped_swiglu', bias: false, swigluLimit: 5, swigluAlpha: 1.702 });
    expect(m.shared).toMatchObject({ activation: 'clamped_swiglu', swigluLimit: 5, swigluAlpha: 1.702 });
    const d = ir({ ...tinySpec, moe: undefined, dense: { ffn: 8, activation: 'clamped_swiglu' } }).layers[0]!.ffn;
    expect(d).toMatchObject({ swigluLimit: 7, swigluAlpha: 1.702 });
    const plain = ir(tinySpec).layers[0]!.ffn;
    expect(plain.kind === 'moe' && 'swigluLimit' in plain.expert).toBe(false);
  });

  it('layernorm { bias false } has no .bias tensors; lm_head_bias adds lm_head.bias [V], tied or not', () => {
    const noBias = ir({ ...tinySpec, norm: { type: 'layernorm', bias: false } });
    expect(noBias.norm).toEqual({ type: 'layernorm', eps: 1e-5, bias: false });
    expect(noBias.tensors.some((t) => t.name.endsWith('norm.bias'))).toBe(false);
    expect(ir({ ...tinySpec, norm: { type: 'layernorm' } }).tensors.filter((t) => t.name.endsWith('norm.bias'))).toHaveLength(5);
    for (const tie of [false, true]) {
      const t = ir({ ...tinySpec, tie_embeddings: tie, lm_head_bias: true }).tensors.find((x) => x.name === 'lm_head.bias');
      expect(t).toMatchObject({ shape: [256], group: 'lm_head', init: { kind: 'zeros' } });
    }
  });

  it('mla.norm_eps sets the latent norms\' eps; the default is 1e-6 whatever the model eps', () => {
    const mla = { kv_lora_rank: 8, qk_nope_head_dim: 8, qk_rope_head_dim: 4, v_head_dim: 8 };
    expect(attn({ ...tinySpec, norm: { eps: 1e-5 }, attention: { heads: 4, mla } }).mla!.normEps).toBe(1e-6);
    expect(attn({ ...tinySpec, attention: { heads: 4, mla: { ...mla, norm_eps: 1e-5 } } }).mla!.normEps).toBe(1e-5);
  });
});
