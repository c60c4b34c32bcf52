/**
 * Reference forward pass — attention (docs/semantics.md "Attention" and "Multi-head latent
 * attention"): MHA/GQA/MQA with partial rotate-half RoPE, qkv/out biases, qk_norm, sliding
 * window and sinks, and MLA with or without query compression. Plain loops, float64.
 *
 * Input `x` is [batch·seq, hidden] (already normed); positions restart at 0 in each sequence.
 */
import type { AttentionIR } from '../../src/ir/types.js';
import { linear, rmsNorm, weight, type Weights } from './numerics.js';

export interface Shape {
  batch: number;
  seq: number;
  hidden: number;
  eps: number;
}

/** Rotate-half RoPE in place on dims [offset, offset + dim) of `heads` heads of width `stride` per token. */
export function applyRope(x: Float64Array, s: Shape, heads: number, stride: number, offset: number, dim: number, theta: number, factor: number): void {
  const half = dim / 2;
  for (let b = 0; b < s.batch; b++) {
    for (let p = 0; p < s.seq; p++) {
      const t = b * s.seq + p;
      for (let h = 0; h < heads; h++) {
        const base = (t * heads + h) * stride + offset;
        for (let i = 0; i < half; i++) {
          const angle = (p / factor) * Math.pow(theta, (-2 * i) / dim);
          const c = Math.cos(angle);
          const sn = Math.sin(angle);
          const x1 = x[base + i];
          const x2 = x[base + half + i];
          x[base + i] = x1 * c - x2 * sn;
          x[base + half + i] = x2 * c + x1 * sn;
        }
      }
    }
  }
}

/** Position scale for RoPE: linear scaling divides positions by `factor` (docs/semantics.md). */
function ropeFactor(a: AttentionIR): number {
  return a.rope.scaling === 'linear' ? a.rope.factor : 1;
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
      ? linear(rmsNorm(linear(x, T, s.hidden, weight(w, `${p}.q_a_proj.weight`), m.qLoraRank), T, m.qLoraRank, weight(w, `${p}.q_a_norm.weight`), s.eps), T, m.qLoraRank, weight(w, `${p}.q_b_proj.weight`), a.heads * dq)
      : linear(x, T, s.hidden, weight(w, `${p}.q_proj.weight`), a.heads * dq);
    const kvA = linear(x, T, s.hidden, weight(w, `${p}.kv_a_proj.weight`), m.kvLoraRank + m.qkRopeHeadDim);
    const c = new Float64Array(T * m.kvLoraRank);
    for (let t = 0; t < T; t++) for (let i = 0; i < m.kvLoraRank; i++) c[t * m.kvLoraRank + i] = kvA[t * (m.kvLoraRank + m.qkRopeHeadDim) + i];
    const kv = linear(rmsNorm(c, T, m.kvLoraRank, weight(w, `${p}.kv_a_norm.weight`), s.eps), T, m.kvLoraRank, weight(w, `${p}.kv_b_proj.weight`), a.heads * (m.qkNopeHeadDim + m.vHeadDim));
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
    if (a.qkNorm) {
      q = headNorm(q, T * a.heads, dq, weight(w, `${p}.q_norm.weight`), s.eps);
      k = headNorm(k, T * a.heads, dq, weight(w, `${p}.k_norm.weight`), s.eps);
    }
    // Rope over the whole rope part (after the nope part) of every head.
    applyRope(q, s, a.heads, dq, m.qkNopeHeadDim, m.qkRopeHeadDim, a.rope.theta, ropeFactor(a));
    applyRope(k, s, a.heads, dq, m.qkNopeHeadDim, m.qkRopeHeadDim, a.rope.theta, ropeFactor(a));
  } else {
    q = linear(x, T, s.hidden, weight(w, `${p}.q_proj.weight`), a.heads * dq, opt('q_proj.bias'));
    k = linear(x, T, s.hidden, weight(w, `${p}.k_proj.weight`), kvHeads * dq, opt('k_proj.bias'));
    v = linear(x, T, s.hidden, weight(w, `${p}.v_proj.weight`), kvHeads * dv, opt('v_proj.bias'));
    if (a.qkNorm) {
      q = headNorm(q, T * a.heads, dq, weight(w, `${p}.q_norm.weight`), s.eps);
      k = headNorm(k, T * kvHeads, dq, weight(w, `${p}.k_norm.weight`), s.eps);
    }
    if (a.rope.dim > 0) {
      applyRope(q, s, a.heads, dq, 0, a.rope.dim, a.rope.theta, ropeFactor(a));
      applyRope(k, s, kvHeads, dq, 0, a.rope.dim, a.rope.theta, ropeFactor(a));
    }
  }
  const o = attend(q, k, v, s, a.heads, kvHeads, dq, dv, 1 / Math.sqrt(dq), a.window, a.sinks ? weight(w, `${p}.sinks`) : undefined);
  return linear(o, T, a.heads * dv, weight(w, `${p}.o_proj.weight`), s.hidden, opt('o_proj.bias'));
}
