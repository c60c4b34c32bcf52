/**
 * TensorFlow.js target — feed-forward networks (docs/semantics.md §FFN), used for dense
 * layers, each routed expert and the fused shared experts.
 * Gated (swiglu, geglu): `act(x·Wg + bg) ⊙ (x·Wu + bu) · Wd + bd`; ungated (gelu, relu,
 * silu): `act(x·Wu + bu) · Wd + bd`. GELU is the exact erf form.
 */
import * as tf from '@tensorflow/tfjs';
import type { Activation } from '../../spec/types.js';
import { isGated } from '../../ir/tensors.js';
import type { Getter, OptionalGetter } from './attention.js';
import { linear } from './matmul.js';

const SQRT1_2 = Math.SQRT1_2;

function gelu(x: tf.Tensor): tf.Tensor {
  return tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, SQRT1_2)), 1));
}

function silu(x: tf.Tensor): tf.Tensor {
  return tf.mul(x, tf.sigmoid(x));
}

export function activate(activation: Activation, x: tf.Tensor): tf.Tensor {
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

/** The FFN whose tensors are under `p` (`layers.0.mlp`, `layers.1.moe.experts.3`, `…moe.shared`). */
export function ffn(activation: Activation, x: tf.Tensor, get: Getter, opt: OptionalGetter, p: string): tf.Tensor {
  const up = linear(x, get(`${p}.up_proj.weight`), opt(`${p}.up_proj.bias`));
  const inner = isGated(activation)
    ? tf.mul(activate(activation, linear(x, get(`${p}.gate_proj.weight`), opt(`${p}.gate_proj.bias`))), up)
    : activate(activation, up);
  return linear(inner, get(`${p}.down_proj.weight`), opt(`${p}.down_proj.bias`));
}
