/**
 * TensorFlow.js target — the adapters in effect while a forward pass runs. `linear` (matmul.ts)
 * asks here whether the weight it multiplies by carries a LoRA adapter and adds the adapter's
 * term; the training functions (model.ts) enter the scope around a forward or backward pass
 * (lora.ts builds the table). A scope, rather than a parameter threaded through every layer
 * function, keeps attention, MLA, the FFNs and the MoE dispatch unaware of adapters: they read
 * weights through getters and call `linear`, and that is where an adapter acts.
 */
import type * as tf from '@tensorflow/tfjs';

/** The adapter term of one base weight: `delta(x)` is added to `x · W` ([n, in] → [n, out]). */
export interface ActiveAdapter {
  delta(x: tf.Tensor): tf.Tensor;
}

let active: ReadonlyMap<tf.Tensor, ActiveAdapter> | undefined;

/** The adapter of base weight `w` in the current scope, if any. */
export function adapterOf(w: tf.Tensor): ActiveAdapter | undefined {
  return active?.get(w);
}

/** Run `fn` with `adapters` (keyed by the base weight's variable) in effect; scopes nest. */
export function withAdapters<T>(adapters: ReadonlyMap<tf.Tensor, ActiveAdapter>, fn: () => T): T {
  const previous = active;
  active = adapters;
  try {
    return fn();
  } finally {
    active = previous;
  }
}
