/**
 * Hand-derived checks of the reference forward pass: values worked out on paper for the building
 * blocks and a one-layer hidden-4 model, and structural properties any correct implementation of
 * docs/semantics.md has (causality, windows, batch independence, GQA = MHA with replicated kv heads,
 * capacity in GShard order, the routing bias choosing but not weighting).
 */
import { describe, expect, it } from 'vitest';
import { buildIR } from '../../src/ir/build-ir.js';
import type { MoeIR } from '../../src/ir/types.js';
import type { ModelSpec } from '../../src/spec/types.js';
import { applyRope } from './attention.js';
import { ropeFrequencies } from './yarn.js';
import { route, topK } from './ffn.js';
import { erf, gelu, layerNorm, rmsNorm } from './numerics.js';
import { referenceIR, testIds, testWeights } from './cases.js';
import { referenceForward } from './reference-forward.js';

const f64 = (a: number[]) => Float64Array.from(a);
const ir = (spec: ModelSpec) => buildIR(spec).value;

describe('building blocks', () => {
  it('RMSNorm and LayerNorm of [1, 2, 3, 4]', () => {
    const x = f64([1, 2, 3, 4]);
    const r = rmsNorm(x, 1, 4, Float32Array.from([1, 1, 1, 2]), 0);
    expect(Array.from(r)).toEqual([1, 2, 3, 8].map((v) => v / Math.sqrt(7.5)));
    const l = layerNorm(x, 1, 4, Float32Array.from([1, 1, 1, 1]), Float32Array.from([0, 0, 0, 1]), 0);
    const expected = [-1.5, -0.5, 0.5, 1.5].map((v) => v / Math.sqrt(1.25));
    expected[3] += 1;
    l.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 14));
  });

  it('erf and exact GELU', () => {
    expect(erf(1)).toBeCloseTo(0.8427007929497149, 15);
    expect(erf(-3)).toBeCloseTo(-0.9999779095030014, 15);
    expect(gelu(1)).toBeCloseTo(0.8413447460685429, 15); // 1·Φ(1)
  });

  it('rotate-half RoPE on a partial dim: pairs (i, i + dim/2), the rest unchanged', () => {
    const s = { batch: 1, seq: 2, hidden: 0, eps: 0 };
    // two positions, one head of width 6, rope over the first 4 dims, theta 100: freqs 1 and 0.1.
    const x = f64([1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6]);
    applyRope(x, s, 1, 6, 0, 4, ropeFrequencies({ theta: 100, dim: 4, scaling: 'none', factor: 1 }, 4));
    expect(Array.from(x.subarray(0, 6))).toEqual([1, 2, 3, 4, 5, 6]); // position 0: angle 0
    const [c1, s1, c2, s2] = [Math.cos(1), Math.sin(1), Math.cos(0.1), Math.sin(0.1)];
    const expected = [1 * c1 - 3 * s1, 2 * c2 - 4 * s2, 3 * c1 + 1 * s1, 4 * c2 + 2 * s2, 5, 6];
    Array.from(x.subarray(6)).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 14));
  });

  it('top-k breaks ties toward the lower index', () => {
    expect(topK([0.5, 0.7, 0.7, 0.1], 2)).toEqual([1, 2]);
    expect(topK([1, 1, 1], 2)).toEqual([0, 1]);
    expect(topK([-Infinity, 0.2, -Infinity, 0.3], 2)).toEqual([3, 1]);
  });
});

/** An MoE layer's IR with an identity router over `E` experts (hidden = E), so logits = x. */
function moeIR(E: number, router: NonNullable<ModelSpec['moe']>['router']): MoeIR {
  const m = ir({ name: 'r', vocab: 4, hidden: E, layers: 1, context: 8, attention: { heads: 1 }, moe: { experts: { count: E, ffn: 2 }, router } });
  return m.layers[0].ffn as MoeIR;
}
const identity = (n: number) => Float32Array.from({ length: n * n }, (_, i) => (i % (n + 1) === 0 ? 1 : 0));

describe('routing by hand', () => {
  it('capacity drops in GShard order (all first choices before any second choice)', () => {
    const moe = moeIR(2, { top_k: 2, capacity_factor: 0.5, overflow: 'drop' });
    // C = ceil(0.5·2·2/2) = 1. Token 0 prefers expert 0, token 1 expert 1: both first choices fit;
    // both second choices are dropped. (Token-major order would drop token 1's first choice instead.)
    const r = route(f64([2, 1, 1, 2]), 2, 2, moe, new Map([['m.router.weight', identity(2)]]), 'm');
    const p = Math.exp(2) / (Math.exp(2) + Math.exp(1));
    expect(r.experts).toEqual([[0, 1], [1, 0]]);
    expect(r.weights[0][0]).toBeCloseTo(p, 15);
    expect(r.weights[1][0]).toBeCloseTo(p, 15);
    expect([r.weights[0][1], r.weights[1][1]]).toEqual([0, 0]);
    // no_drop keeps them all.
    const kept = route(f64([2, 1, 1, 2]), 2, 2, moeIR(2, { top_k: 2, capacity_factor: 0.5, overflow: 'no_drop' }), new Map([['m.router.weight', identity(2)]]), 'm');
    expect(kept.weights[0][1]).toBeCloseTo(1 - p, 15);
  });

  it('group-limited routing: max vs top2_sum pick different groups', () => {
    const w = new Map([['m.router.weight', identity(4)]]);
    const x = f64([1, 1, 3, -3]);
    const byMax = route(x, 1, 4, moeIR(4, { top_k: 2, score: 'sigmoid', groups: 2, top_groups: 1, group_score: 'max' }), w, 'm');
    expect(byMax.experts[0]).toEqual([2, 3]); // group 1 holds the single best expert
    const bySum = route(x, 1, 4, moeIR(4, { top_k: 2, score: 'sigmoid', groups: 2, top_groups: 1, group_score: 'top2_sum' }), w, 'm');
    expect(bySum.experts[0]).toEqual([0, 1]); // σ(1)+σ(1) = 1.46 > σ(3)+σ(−3) = 1
  });

  it('the routing bias chooses experts but the weight is the unbiased score, times scaling', () => {
    const moe = moeIR(2, { top_k: 1, score: 'sigmoid', norm_topk: false, bias_update: 0.001, scaling: 3 });
    const r = route(f64([1, 0]), 1, 2, moe, new Map([['m.router.weight', identity(2)], ['m.router.score_bias', Float32Array.from([0, 0.5])]]), 'm');
    expect(r.experts[0]).toEqual([1]); // σ(0) + 0.5 = 1 > σ(1) = 0.73
    expect(r.weights[0][0]).toBeCloseTo(0.5 * 3, 15);
  });
});

describe('a one-layer hidden-4 model worked out by hand', () => {
  // Wq = Wk = 0 (uniform attention), Wv = Wo = Wu = Wd = I, relu FFN, norms 1, one-hot embeddings.
  const m = ir({ name: 'hand', vocab: 3, hidden: 4, layers: 1, context: 4, norm: { eps: 1e-12 }, attention: { heads: 1, head_dim: 4 }, dense: { ffn: 4, activation: 'relu' } });
  const w = new Map<string, Float32Array>();
  for (const t of m.tensors) w.set(t.name, new Float32Array(t.shape.reduce((a, b) => a * b, 1)).fill(t.init.kind === 'ones' ? 1 : 0));
  for (const n of ['attn.v_proj', 'attn.o_proj', 'mlp.up_proj', 'mlp.down_proj']) w.set(`layers.0.${n}.weight`, identity(4));
  w.set('embed_tokens.weight', Float32Array.from([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0]));
  w.set('lm_head.weight', Float32Array.from([1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0]));

  it('gives the logits derived on paper', () => {
    const logits = Array.from(referenceForward(m, w, [[0, 1]]));
    // Position 0: h = e0 + 2e0 (norm of one-hot is 2e0) → + 2e0 (FFN) → 5e0 → final norm 2e0.
    // Position 1: attention averages 2e0 and 2e1 → h = e0 + 2e1 → FFN adds its norm → final norm (e0 + 2e1)/√1.25.
    const expected = [2, 0, 0, 1 / Math.sqrt(1.25), 2 / Math.sqrt(1.25), 0];
    logits.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 6));
  });
});

describe('structural properties', () => {
  const prefixEqual = (a: Float32Array, b: Float32Array, n: number) => expect(Array.from(a.subarray(0, n))).toEqual(Array.from(b.subarray(0, n)));

  it('is causal: changing the last token leaves earlier logits unchanged', () => {
    for (const name of ['gqa-swiglu', 'mla-qlora-moe', 'mqa-qknorm-window-sinks-relu-geglu']) {
      const m = referenceIR(name);
      // Capacity dropping by `probs` (or gshard's second choices) lets a later token evict an
      // earlier one; only drop_policy position keeps a dropping MoE causal.
      for (const l of m.layers) if (l.ffn.kind === 'moe') l.ffn.router.dropPolicy = 'position';
      const w = testWeights(m);
      const a = referenceForward(m, w, [[1, 2, 3, 4]]);
      const b = referenceForward(m, w, [[1, 2, 3, 9]]);
      prefixEqual(a, b, 3 * m.vocab);
      expect(a.subarray(3 * m.vocab)).not.toEqual(b.subarray(3 * m.vocab));
    }
  });

  it('window 1 makes each position see only itself', () => {
    const m = ir({ name: 'w1', vocab: 7, hidden: 8, layers: 1, context: 8, attention: { heads: 2, head_dim: 4, window: 1 }, dense: { ffn: 8 } });
    const w = testWeights(m);
    const all = referenceForward(m, w, [[3, 5, 6]]);
    const alone = referenceForward(m, w, [[5]]);
    // position 1 differs from a lone token at position 0 only through RoPE, which cancels in q·k of one key.
    Array.from(alone).forEach((v, i) => expect(all[m.vocab + i]).toBeCloseTo(v, 6));
  });

  it('sequences of a batch are independent without capacity, coupled with it', () => {
    const free = referenceIR('gqa-swiglu');
    const wf = testWeights(free);
    const [a, b] = testIds(free.vocab, 2, 5);
    const both = referenceForward(free, wf, [a, b]);
    expect(Array.from(both.subarray(0, 5 * free.vocab))).toEqual(Array.from(referenceForward(free, wf, [a])));
    const capped = referenceIR('moe-softmax-capacity-drop-shared-gate');
    const wc = testWeights(capped);
    const pair = referenceForward(capped, wc, [a, b]);
    expect(Array.from(pair.subarray(0, 5 * capped.vocab))).not.toEqual(Array.from(referenceForward(capped, wc, [a])));
  });

  it('GQA equals MHA whose kv heads are the GQA heads replicated', () => {
    const spec = (kv: number): ModelSpec => ({ name: 'g', vocab: 9, hidden: 8, layers: 1, context: 8, attention: { heads: 4, kv_heads: kv, head_dim: 4 }, dense: { ffn: 8 } });
    const gqa = ir(spec(2));
    const mha = ir(spec(4));
    const w = testWeights(gqa);
    const wm = new Map(w);
    for (const n of ['k_proj', 'v_proj']) {
      const src = w.get(`layers.0.attn.${n}.weight`)!; // [8, 2·4]
      const dst = new Float32Array(8 * 16);
      for (let i = 0; i < 8; i++) for (let h = 0; h < 4; h++) for (let d = 0; d < 4; d++) dst[i * 16 + h * 4 + d] = src[i * 8 + Math.floor(h / 2) * 4 + d];
      wm.set(`layers.0.attn.${n}.weight`, dst);
    }
    const ids = testIds(9, 2, 5);
    expect(Array.from(referenceForward(mha, wm, ids))).toEqual(Array.from(referenceForward(gqa, w, ids)));
  });
});
