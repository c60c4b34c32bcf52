/**
 * TensorFlow.js target — causal self-attention, MHA / GQA / MQA (docs/semantics.md
 * §Attention). Activations are [batch, seq, hidden]; heads are split as
 * [batch, seq, heads, headDim] for q/k norms and RoPE, then moved to [batch, heads, seq, d]
 * for the score and value products. MLA (mla.ts) shares `attentionCore`.
 */
import * as tf from '@tensorflow/tfjs';
import type { AttentionIR } from '../../ir/types.js';
import { batchMatMul, linear } from './matmul.js';
import { rmsNorm } from './norm.js';
import { packedMask, packedRopeTables, type PackedLayout } from './packed-layout.js';
import { applyRope, ropeTables } from './rope.js';

export type Getter = (name: string) => tf.Tensor;
export type OptionalGetter = (name: string) => tf.Tensor | undefined;

/** Additive mask [seq, seq]: 0 where key ≤ query (and query − key < window), −1e9 elsewhere. */
function causalMask(seq: number, window?: number): tf.Tensor {
  const m = new Float32Array(seq * seq);
  for (let q = 0; q < seq; q++) {
    for (let k = 0; k < seq; k++) {
      const visible = k <= q && (window === undefined || q - k < window);
      // A large finite value, not −∞: a fully masked softmax row then never makes NaN gradients.
      m[q * seq + k] = visible ? 0 : -1e9;
    }
  }
  return tf.tensor2d(m, [seq, seq]);
}

/**
 * softmax(q·kᵀ·scale + mask)·v with query head j reading kv head floor(j / (heads / kvHeads)).
 * q [B, S, heads, dq], k [B, S, kvHeads, dq], v [B, S, kvHeads, dv] → [B, S, heads·dv].
 * `sinks` [heads]: a per-head logit that joins the softmax denominator only.
 */
export function attentionCore(
  q: tf.Tensor,
  k: tf.Tensor,
  v: tf.Tensor,
  opts: { scale: number; window?: number; sinks?: tf.Tensor; layout?: PackedLayout },
): tf.Tensor {
  const [b, s, heads, dq] = q.shape as number[];
  const kvHeads = k.shape[2]!;
  const dv = v.shape[3]!;
  const qT = tf.transpose(q, [0, 2, 1, 3]);
  let kT = tf.transpose(k, [0, 2, 3, 1]);
  let vT = tf.transpose(v, [0, 2, 1, 3]);
  if (kvHeads !== heads) {
    const g = heads / kvHeads;
    // Rank-4 tiles: tfjs 4.22 has no Tile gradient above rank 4.
    kT = tf.reshape(tf.tile(tf.reshape(kT, [b!, kvHeads, 1, dq! * s!]), [1, 1, g, 1]), [b!, heads!, dq!, s!]);
    vT = tf.reshape(tf.tile(tf.reshape(vT, [b!, kvHeads, 1, s! * dv]), [1, 1, g, 1]), [b!, heads!, s!, dv]);
  }
  const mask = opts.layout ? packedMask(opts.layout, opts.window) : causalMask(s!, opts.window);
  let scores = tf.add(tf.mul(batchMatMul(qT, kT), opts.scale), mask);
  let probs: tf.Tensor;
  if (opts.sinks) {
    const sink = tf.tile(tf.reshape(opts.sinks, [1, heads!, 1, 1]), [b!, 1, s!, 1]);
    scores = tf.concat([scores, sink], 3);
    probs = tf.slice(tf.softmax(scores), [0, 0, 0, 0], [b!, heads!, s!, s!]);
  } else {
    probs = tf.softmax(scores);
  }
  const out = tf.transpose(batchMatMul(probs, vT), [0, 2, 1, 3]);
  return tf.reshape(out, [b!, s!, heads! * dv]);
}

/** Multi-head attention (MHA / GQA / MQA) of the layer at `p` (`layers.3.attn`). x: [B, S, hidden]. */
export function attention(
  a: AttentionIR,
  x: tf.Tensor,
  get: Getter,
  opt: OptionalGetter,
  p: string,
  eps: number,
  layout?: PackedLayout,
): tf.Tensor {
  const [b, s] = x.shape as number[];
  // transformers' order (olmoe/modular_olmoe.py OlmoeAttention.forward; qwen3 for per-head):
  // x·W (+b) → full-width norm → clamp ±clip_qkv → per-head view → per-head norm.
  const project = (name: 'q' | 'k' | 'v', heads: number): tf.Tensor => {
    const normed = name !== 'v' && a.qkNorm !== 'none';
    let t = linear(x, get(`${p}.${name}_proj.weight`), opt(`${p}.${name}_proj.bias`));
    if (normed && a.qkNorm === 'full') t = rmsNorm(t, get(`${p}.${name}_norm.weight`), eps);
    if (a.clipQkv !== undefined) t = tf.clipByValue(t, -a.clipQkv, a.clipQkv);
    t = tf.reshape(t, [b!, s!, heads, a.headDim]);
    return normed && a.qkNorm === 'head' ? rmsNorm(t, get(`${p}.${name}_norm.weight`), eps) : t;
  };
  let q = project('q', a.heads);
  let k = project('k', a.kvHeads);
  const v = project('v', a.kvHeads);
  if (a.rope.dim > 0) {
    const tables = layout ? packedRopeTables(layout, a.rope) : ropeTables(s!, a.rope);
    q = applyRope(q, a.rope.dim, tables);
    k = applyRope(k, a.rope.dim, tables);
  }
  const out = attentionCore(q, k, v, {
    scale: a.scale,
    window: a.window,
    sinks: a.sinks ? get(`${p}.sinks`) : undefined,
    layout,
  });
  return linear(out, get(`${p}.o_proj.weight`), opt(`${p}.o_proj.bias`));
}
