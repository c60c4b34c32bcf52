/**
 * Reference forward pass — FFNs (docs/semantics.md "FFN" and "MoE block"): dense MLPs with every
 * activation (gpt-oss's clamped SwiGLU included) and optional biases, and the MoE block
 * (softmax/sigmoid scores, score_bias, group-limited routing, top-k with lower-index tie break,
 * norm_topk, scaling, capacity with drop/no_drop over all tokens of the batch in drop_policy
 * order — probs, position, gshard — shared experts with optional sigmoid gate).
 * Plain loops, float64. `x` is [T, hidden] with T = batch·seq.
 */
import type { FfnIR, MoeIR } from '../../src/ir/types.js';
import { gelu, linear, relu, sigmoid, silu, softmax, weight, type Weights } from './numerics.js';

const ACT = { swiglu: silu, geglu: gelu, gelu, relu, silu } as const;

/** gpt-oss (GptOssExperts.forward): gate clamped above, up clamped both ways, (up + 1)·gate·sigmoid(alpha·gate). */
function clampedSwiglu(gate: number, up: number, limit: number, alpha: number): number {
  const g = Math.min(gate, limit);
  const u = Math.max(-limit, Math.min(limit, up));
  return (u + 1) * g * sigmoid(alpha * g);
}

/** One FFN of width `width` under `p` (dense MLP, one expert, or the fused shared experts). */
export function ffn(x: Float64Array, T: number, hidden: number, f: FfnIR, width: number, w: Weights, p: string): Float64Array {
  const b = (n: string) => (f.bias ? weight(w, `${p}.${n}.bias`) : undefined);
  const up = linear(x, T, hidden, weight(w, `${p}.up_proj.weight`), width, b('up_proj'));
  const mid = new Float64Array(T * width);
  if (f.activation === 'clamped_swiglu') {
    const gate = linear(x, T, hidden, weight(w, `${p}.gate_proj.weight`), width, b('gate_proj'));
    for (let i = 0; i < mid.length; i++) mid[i] = clampedSwiglu(gate[i], up[i], f.swigluLimit!, f.swigluAlpha!);
  } else if (f.activation === 'swiglu' || f.activation === 'geglu') {
    const act = ACT[f.activation];
    const gate = linear(x, T, hidden, weight(w, `${p}.gate_proj.weight`), width, b('gate_proj'));
    for (let i = 0; i < mid.length; i++) mid[i] = act(gate[i]) * up[i];
  } else {
    const act = ACT[f.activation];
    for (let i = 0; i < mid.length; i++) mid[i] = act(up[i]);
  }
  return linear(mid, T, width, weight(w, `${p}.down_proj.weight`), hidden, b('down_proj'));
}

/** Indices of the k largest values; ties go to the lower index. */
export function topK(values: readonly number[], k: number): number[] {
  return values
    .map((v, i) => [v, i] as const)
    .sort((a, b) => (b[0] !== a[0] ? (b[0] > a[0] ? 1 : -1) : a[1] - b[1]))
    .slice(0, k)
    .map(([, i]) => i);
}

export interface Routing {
  /** [T][K] expert index and combine weight (0 when the assignment was dropped). */
  experts: number[][];
  weights: number[][];
}

/** Router: which experts each token goes to and with what weight, capacity applied. */
export function route(x: Float64Array, T: number, hidden: number, moe: MoeIR, w: Weights, p: string): Routing {
  const r = moe.router;
  const E = moe.experts;
  const K = r.topK;
  const logits = linear(x, T, hidden, weight(w, `${p}.router.weight`), E, r.bias ? weight(w, `${p}.router.bias`) : undefined);
  const scoreBias = r.biasUpdate > 0 ? weight(w, `${p}.router.score_bias`) : undefined;
  const experts: number[][] = [];
  const weights: number[][] = [];
  for (let t = 0; t < T; t++) {
    const l = Array.from(logits.subarray(t * E, (t + 1) * E));
    const s = r.score === 'softmax' ? softmax(l) : l.map(sigmoid);
    const sel = s.map((v, e) => v + (scoreBias ? scoreBias[e] : 0));
    if (r.groups > 1) {
      const size = E / r.groups;
      const groupScores: number[] = [];
      for (let g = 0; g < r.groups; g++) {
        const members = sel.slice(g * size, (g + 1) * size).sort((a, b) => b - a);
        groupScores.push(r.groupScore === 'max' ? members[0] : members.slice(0, 2).reduce((a, b) => a + b, 0));
      }
      const keep = new Set(topK(groupScores, r.topGroups));
      for (let e = 0; e < E; e++) if (!keep.has(Math.floor(e / size))) sel[e] = -Infinity;
    }
    const idx = topK(sel, K);
    let wt = idx.map((e) => s[e]);
    if (r.normTopK) {
      const sum = wt.reduce((a, b) => a + b, 0);
      wt = wt.map((v) => v / (sum + 1e-20));
    }
    experts.push(idx);
    weights.push(wt.map((v) => v * r.scaling));
  }
  if (r.capacityFactor !== undefined && r.overflow === 'drop') {
    // Megatron get_capacity: ceil((T·K / E) · capacity_factor), in that order.
    const capacity = Math.ceil(((T * K) / E) * r.capacityFactor);
    const order: [number, number][] = [];
    if (r.dropPolicy === 'gshard') {
      // every token's first choice (in token order), then every second choice, …
      for (let k = 0; k < K; k++) for (let t = 0; t < T; t++) order.push([t, k]);
    } else {
      for (let t = 0; t < T; t++) for (let k = 0; k < K; k++) order.push([t, k]);
      // probs: an expert keeps its highest-weight assignments (ties: earlier token first).
      if (r.dropPolicy === 'probs') order.sort((a, b) => weights[b[0]][b[1]] - weights[a[0]][a[1]] || a[0] - b[0] || a[1] - b[1]);
    }
    const load = new Array<number>(E).fill(0);
    for (const [t, k] of order) {
      const e = experts[t][k];
      if (load[e] >= capacity) weights[t][k] = 0;
      load[e]++;
    }
  }
  return { experts, weights };
}

export function moeBlock(x: Float64Array, T: number, hidden: number, moe: MoeIR, w: Weights, p: string): Float64Array {
  const { experts, weights } = route(x, T, hidden, moe, w, p);
  const y = new Float64Array(T * hidden);
  for (let t = 0; t < T; t++) {
    const row = x.subarray(t * hidden, (t + 1) * hidden);
    experts[t].forEach((e, k) => {
      if (weights[t][k] === 0) return;
      const out = ffn(row, 1, hidden, moe.expert, moe.expert.ffn, w, `${p}.experts.${e}`);
      for (let i = 0; i < hidden; i++) y[t * hidden + i] += weights[t][k] * out[i];
    });
  }
  if (moe.shared) {
    const sh = moe.shared;
    const out = ffn(x, T, hidden, sh, sh.count * sh.ffn, w, `${p}.shared`);
    const gate = sh.gate ? linear(x, T, hidden, weight(w, `${p}.shared.gate.weight`), 1) : undefined;
    for (let t = 0; t < T; t++) {
      const g = gate ? sigmoid(gate[t]) : 1;
      for (let i = 0; i < hidden; i++) y[t * hidden + i] += g * out[t * hidden + i];
    }
  }
  return y;
}
