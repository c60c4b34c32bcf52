/**
 * TensorFlow.js target — the dense-masked MoE formulation: every expert runs on every token
 * and the outputs are mixed with a [T, E] combine matrix that is zero off the kept
 * assignments. It does E/(K·capacity-factor) times the work of the sparse dispatch; it is
 * the reference the sparse path is checked against (same routing plan, so the same drops)
 * and the baseline the benchmark measures against.
 */
import * as tf from '@tensorflow/tfjs';
import type { Getter, OptionalGetter } from './attention.js';
import { ffn, type FfnKind } from './ffn.js';
import type { RoutingPlan } from './router.js';

/** Constant [T, K, E] mask: 1 where assignment (t, k) is kept and routed to e. */
function assignmentMask(plan: RoutingPlan): tf.Tensor {
  const { tokens: T, topK: K, experts: E } = plan;
  const m = new Float32Array(T * K * E);
  for (let a = 0; a < T * K; a++) {
    if (plan.slotOf[a]! < plan.kept) m[a * E + plan.choice[a]!] = 1;
  }
  return tf.tensor3d(m, [T, K, E]);
}

export function denseExperts(
  x: tf.Tensor,
  w: tf.Tensor,
  plan: RoutingPlan,
  kind: FfnKind,
  get: Getter,
  opt: OptionalGetter,
  prefix: string,
): tf.Tensor {
  const { tokens: T, topK: K, experts: E } = plan;
  const combine = tf.sum(tf.mul(tf.reshape(w, [T, K, 1]), assignmentMask(plan)), 1);
  const columns = tf.split(combine, E, 1);
  let y: tf.Tensor | undefined;
  for (let e = 0; e < E; e++) {
    const part = tf.mul(ffn(kind, x, get, opt, `${prefix}.experts.${e}`), columns[e]!);
    y = y ? tf.add(y, part) : part;
  }
  return y!;
}
