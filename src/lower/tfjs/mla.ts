/**
 * TensorFlow.js target — multi-head latent attention (DeepSeek-V2/V3, docs/semantics.md §MLA).
 * Queries optionally through a low-rank bottleneck (q_a_proj → q_a_norm → q_b_proj); keys and
 * values from the compressed latent `c = RMSNorm(kv_a[:kv_lora])` via kv_b_proj; one rope key
 * `k_pe = kv_a[kv_lora:]` shared by all heads. The latent norms use mla.normEps (transformers:
 * 1e-6, not the model's eps); the softmax scale is the IR's (× mscale² under YaRN, DeepSeek).
 */
import * as tf from '@tensorflow/tfjs';
import type { AttentionIR } from '../../ir/types.js';
import { attentionCore, type Getter, type OptionalGetter } from './attention.js';
import { linear } from './matmul.js';
import { rmsNorm } from './norm.js';
import { packedRopeTables, type PackedLayout } from './packed-layout.js';
import { applyRope, ropeTables } from './rope.js';

export function mlaAttention(
  a: AttentionIR,
  x: tf.Tensor,
  get: Getter,
  opt: OptionalGetter,
  p: string,
  layout?: PackedLayout,
): tf.Tensor {
  const m = a.mla!;
  const eps = m.normEps;
  const [b, s] = x.shape as number[];
  const nope = m.qkNopeHeadDim;
  const rope = m.qkRopeHeadDim;
  const heads = a.heads;
  const qFlat = m.qLoraRank > 0
    ? linear(rmsNorm(linear(x, get(`${p}.q_a_proj.weight`)), get(`${p}.q_a_norm.weight`), eps), get(`${p}.q_b_proj.weight`))
    : linear(x, get(`${p}.q_proj.weight`));
  const [qNope, qPe0] = tf.split(tf.reshape(qFlat, [b!, s!, heads, nope + rope]), [nope, rope], 3) as [tf.Tensor, tf.Tensor];
  const kvA = linear(x, get(`${p}.kv_a_proj.weight`));
  const [cRaw, kPeFlat] = tf.split(kvA, [m.kvLoraRank, rope], 2) as [tf.Tensor, tf.Tensor];
  const c = rmsNorm(cRaw, get(`${p}.kv_a_norm.weight`), eps);
  const kv = tf.reshape(linear(c, get(`${p}.kv_b_proj.weight`)), [b!, s!, heads, nope + m.vHeadDim]);
  const [kNope, v] = tf.split(kv, [nope, m.vHeadDim], 3) as [tf.Tensor, tf.Tensor];
  const tables = layout ? packedRopeTables(layout, a.rope) : ropeTables(s!, a.rope);
  const kPe = tf.tile(tf.reshape(kPeFlat, [b!, s!, 1, rope]), [1, 1, heads, 1]);
  const q = tf.concat([qNope, applyRope(qPe0, rope, tables)], 3);
  const k = tf.concat([kNope, applyRope(kPe, rope, tables)], 3);
  const out = attentionCore(q, k, v, {
    scale: a.scale,
    window: a.window,
    sinks: a.sinks ? get(`${p}.sinks`) : undefined,
    layout,
  });
  return linear(out, get(`${p}.o_proj.weight`), opt(`${p}.o_proj.bias`));
}
