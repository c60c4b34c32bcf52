/**
 * TensorFlow.js target — feed-forward networks (docs/semantics.md §FFN), used for dense
 * layers, each routed expert and the fused shared experts.
 * Gated (swiglu, geglu): `act(x·Wg + bg) ⊙ (x·Wu + bu) · Wd + bd`; ungated (gelu, relu,
 * silu): `act(x·Wu + bu) · Wd + bd`. GELU is the exact erf form. clamped_swiglu is gpt-oss's
 * (transformers gpt_oss/modular_gpt_oss.py, GptOssExperts): g = min(gate, limit),
 * u = clip(up, ±limit), (u + 1) · g · sigmoid(alpha · g); the clamps pass no gradient where
 * they clip (tf.minimum / tf.clipByValue), as torch's clamp.
 */
import * as tf from '@tensorflow/tfjs';
import type { Activation } from '../../spec/types.js';
import type { FfnIR } from '../../ir/types.js';
import { isGated } from '../../ir/tensors.js';
import type { Getter, OptionalGetter } from './attention.js';
import { linear } from './matmul.js';

/** What an FFN's computation depends on besides its tensors. */
export type FfnKind = Pick<FfnIR, 'activation' | 'swigluLimit' | 'swigluAlpha'>;

const SQRT1_2 = Math.SQRT1_2;

function gelu(x: tf.Tensor): tf.Tensor {
  return tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, SQRT1_2)), 1));
}

function silu(x: tf.Tensor): tf.Tensor {
  return tf.mul(x, tf.sigmoid(x));
}

export function activate(activation: Exclude<Activation, 'clamped_swiglu'>, x: tf.Tensor): tf.Tensor {
  switch (activation) {
    case 'swiglu':
    case 'silu':
      return silu(x);
    case 'geglu':
    case 'gelu':
      return gelu(x);
    case 'relu':
      return tf.relu(x);
  }
}

/** gpt-oss's gated unit from the gate and up projections. */
export function clampedSwiglu(gate: tf.Tensor, up: tf.Tensor, limit: number, alpha: number): tf.Tensor {
  const g = tf.minimum(gate, limit);
  const u = tf.clipByValue(up, -limit, limit);
  return tf.mul(tf.add(u, 1), tf.mul(g, tf.sigmoid(tf.mul(g, alpha))));
}

/** The FFN whose tensors are under `p` (`layers.0.mlp`, `layers.1.moe.experts.3`, `…moe.shared`). */
export function ffn(f: FfnKind, x: tf.Tensor, get: Getter, opt: OptionalGetter, p: string): tf.Tensor {
  const up = linear(x, get(`${p}.up_proj.weight`), opt(`${p}.up_proj.bias`));
  const gate = (): tf.Tensor => linear(x, get(`${p}.gate_proj.weight`), opt(`${p}.gate_proj.bias`));
  let inner: tf.Tensor;
  if (f.activation === 'clamped_swiglu') inner = clampedSwiglu(gate(), up, f.swigluLimit!, f.swigluAlpha!);
  else inner = isGated(f.activation) ? tf.mul(activate(f.activation, gate()), up) : activate(f.activation, up);
  return linear(inner, get(`${p}.down_proj.weight`), opt(`${p}.down_proj.bias`));
}
