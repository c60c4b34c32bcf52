/**
 * Reference forward pass — attention (docs/semantics.md "Attention", "RoPE" and "Multi-head
 * latent attention"): MHA/GQA/MQA with partial rotate-half RoPE (plain, linear, YaRN), qkv/out
 * biases, per-head and full-width qk_norm, clip_qkv, sliding window and sinks, and MLA with or
 * without query compression (latent norm eps, YaRN softmax mscale). Plain loops, float64.
 *
 * Input `x` is [batch·seq, hidden] (already normed); positions restart at 0 in each sequence.
 */
import type { AttentionIR } from '../../src/ir/types.js';
import { linear, rmsNorm, weight, type Weights } from './numerics.js';
import { ropeFrequencies, softmaxMscale, type RopeFrequencies } from './yarn.js';

export interface Shape {
  batch: number;
  seq: number;
  hidden: number;
  eps: number;
}

/** Rotate-half RoPE in place on dims [offset, offset + dim) of `heads` heads of width `stride` per token. */
export function applyRope(x: Float64Array, s: Shape, heads: number, stride: number, offset: number, dim: number, f: RopeFrequencies): void {
  const half = dim / 2;
  for (let b = 0; b < s.batch; b++) {
    for (let p = 0; p < s.seq; p++) {
      const t = b * s.seq + p;
      for (let h = 0; h < heads; h++) {
        const base = (t * heads + h) * stride + offset;
        for (let i = 0; i < half; i++) {
          const angle = p * f.invFreq[i];
          const c = f.scale * Math.cos(angle);
          const sn = f.scale * Math.sin(angle);
          const x1 = x[base + i];
          const x2 = x[base + half + i];
          x[base + i] = x1 * c - x2 * sn;
          x[base + half + i] = x2 * c + x1 * sn;
        }
      }
    }
  }
}

/**
 * Causal (optionally windowed) softmax attention with optional sinks. q [T, heads, dq],
 * k [T, kvHeads, dq], v [T, kvHeads, dv]; query head j reads kv head floor(j / (heads/kvHeads)).
 */
function attend(q: Float64Array, k: Float64Array, v: Float64Array, s: Shape, heads: number, kvHeads: number, dq: number, dv: number, scale: number, window: number | undefined, sinks: Float32Array | undefined): Float64Array {
  const out = new Float64Array(s.batch * s.seq * heads * dv);
  const group = heads / kvHeads;
  for (let b = 0; b < s.batch; b++) {
    for (let h = 0; h < heads; h++) {
      const kh = Math.floor(h / group);
      for (let i = 0; i < s.seq; i++) {
        const qi = ((b * s.seq + i) * heads + h) * dq;
        const keys: number[] = [];
        const scores: number[] = [];
        for (let j = 0; j <= i; j++) {
          if (window !== undefined && i - j >= window) continue;
          const kj = ((b * s.seq + j) * kvHeads + kh) * dq;
          let dot = 0;
          for (let d = 0; d < dq; d++) dot += q[qi + d] * k[kj + d];
          keys.push(j);
          scores.push(dot * scale);
        }
        const sink = sinks ? sinks[h] : -Infinity;
        const m = Math.max(sink, ...scores);
        let denom = sinks ? Math.exp(sink - m) : 0;
        const e = scores.map((x) => Math.exp(x - m));
        for (const x of e) denom += x;
        const oi = ((b * s.seq + i) * heads + h) * dv;
        keys.forEach((j, n) => {
          const vj = ((b * s.seq + j) * kvHeads + kh) * dv;
          const p = e[n] / denom;
          for (let d = 0; d < dv; d++) out[oi + d] += p * v[vj + d];
        });
      }
    }
  }
  return out;
}

/** RMSNorm of every head (width `dim`) with one shared weight. */
function headNorm(x: Float64Array, rows: number, dim: number, w: Float32Array, eps: number): Float64Array {
  return rmsNorm(x, rows, dim, w, eps);
}

const clamp = (x: Float64Array, c: number | undefined): Float64Array => (c === undefined ? x : x.map((v) => Math.min(c, Math.max(-c, v))));

/** A q or k projection [T, n·d] after qk_norm (full: over the whole row; head: per head) and clip_qkv, in OLMoE's order. */
function normAndClip(x: Float64Array, T: number, n: number, d: number, a: AttentionIR, w: Float32Array | undefined, eps: number): Float64Array {
  if (a.qkNorm === 'full') return clamp(rmsNorm(x, T, n * d, w!, eps), a.clipQkv);
  const clipped = clamp(x, a.clipQkv);
  return a.qkNorm === 'head' ? headNorm(clipped, T * n, d, w!, eps) : clipped;
}

export function attention(x: Float64Array, s: Shape, a: AttentionIR, w: Weights, p: string): Float64Array {
  const T = s.batch * s.seq;
  const opt = (n: string) => w.get(`${p}.${n}`);
  let q: Float64Array, k: Float64Array, v: Float64Array;
  let kvHeads = a.kvHeads;
  let dq = a.headDim;
  const dv = a.vHeadDim;
  if (a.kind === 'mla' && a.mla) {
    const m = a.mla;
    dq = m.qkNopeHeadDim + m.qkRopeHeadDim;
    kvHeads = a.heads;
    q = m.qLoraRank > 0
      ? linear(rmsNorm(linear(x, T, s.hidden, weight(w, `${p}.q_a_proj.weight`), m.qLoraRank), T, m.qLoraRank, weight(w, `${p}.q_a_norm.weight`), m.normEps), T, m.qLoraRank, weight(w, `${p}.q_b_proj.weight`), a.heads * dq)
      : linear(x, T, s.hidden, weight(w, `${p}.q_proj.weight`), a.heads * dq);
    const kvA = linear(x, T, s.hidden, weight(w, `${p}.kv_a_proj.weight`), m.kvLoraRank + m.qkRopeHeadDim);
    const c = new Float64Array(T * m.kvLoraRank);
    for (let t = 0; t < T; t++) for (let i = 0; i < m.kvLoraRank; i++) c[t * m.kvLoraRank + i] = kvA[t * (m.kvLoraRank + m.qkRopeHeadDim) + i];
    const kv = linear(rmsNorm(c, T, m.kvLoraRank, weight(w, `${p}.kv_a_norm.weight`), m.normEps), T, m.kvLoraRank, weight(w, `${p}.kv_b_proj.weight`), a.heads * (m.qkNopeHeadDim + m.vHeadDim));
    // Assemble full keys [k_nope, k_pe broadcast over heads] and values.
    k = new Float64Array(T * a.heads * dq);
    v = new Float64Array(T * a.heads * dv);
    for (let t = 0; t < T; t++) {
      for (let h = 0; h < a.heads; h++) {
        const src = (t * a.heads + h) * (m.qkNopeHeadDim + m.vHeadDim);
        const dst = (t * a.heads + h) * dq;
        for (let d = 0; d < m.qkNopeHeadDim; d++) k[dst + d] = kv[src + d];
        for (let d = 0; d < m.qkRopeHeadDim; d++) k[dst + m.qkNopeHeadDim + d] = kvA[t * (m.kvLoraRank + m.qkRopeHeadDim) + m.kvLoraRank + d];
        for (let d = 0; d < dv; d++) v[(t * a.heads + h) * dv + d] = kv[src + m.qkNopeHeadDim + d];
      }
    }
    // Rope over the whole rope part (after the nope part) of every head.
    const f = ropeFrequencies(a.rope, m.qkRopeHeadDim);
    applyRope(q, s, a.heads, dq, m.qkNopeHeadDim, m.qkRopeHeadDim, f);
    applyRope(k, s, a.heads, dq, m.qkNopeHeadDim, m.qkRopeHeadDim, f);
  } else {
    q = linear(x, T, s.hidden, weight(w, `${p}.q_proj.weight`), a.heads * dq, opt('q_proj.bias'));
    k = linear(x, T, s.hidden, weight(w, `${p}.k_proj.weight`), kvHeads * dq, opt('k_proj.bias'));
    v = linear(x, T, s.hidden, weight(w, `${p}.v_proj.weight`), kvHeads * dv, opt('v_proj.bias'));
    q = normAndClip(q, T, a.heads, dq, a, opt('q_norm.weight'), s.eps);
    k = normAndClip(k, T, kvHeads, dq, a, opt('k_norm.weight'), s.eps);
    v = clamp(v, a.clipQkv);
    if (a.rope.dim > 0) {
      const f = ropeFrequencies(a.rope, a.rope.dim);
      applyRope(q, s, a.heads, dq, 0, a.rope.dim, f);
      applyRope(k, s, kvHeads, dq, 0, a.rope.dim, f);
    }
  }
  // The scale derived here independently; an explicit attention.softmax_scale (Granite's
  // attention_multiplier) is a given number like a weight, taken from the IR (numpy_reference.py
  // reads it from the spec).
  const derived = softmaxMscale(a) / Math.sqrt(dq);
  const scale = Math.abs(a.scale - derived) > 1e-12 * derived ? a.scale : derived;
  const o = attend(q, k, v, s, a.heads, kvHeads, dq, dv, scale, a.window, a.sinks ? weight(w, `${p}.sinks`) : undefined);
  return linear(o, T, a.heads * dv, weight(w, `${p}.o_proj.weight`), s.hidden, opt('o_proj.bias'));
}
