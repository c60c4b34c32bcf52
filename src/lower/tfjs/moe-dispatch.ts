/**
 * TensorFlow.js target — sparse MoE dispatch and combine (docs/tfjs.md §Dispatch).
 *
 * Work is proportional to top_k, not to the number of experts: the kept assignments' token
 * rows are gathered into one expert-major buffer [kept, hidden], split into per-expert
 * blocks, run through each expert's FFN with plain 2-D matmuls on that expert's own
 * variables, concatenated back and gathered per assignment for the weighted combine.
 *
 * tf.gather's gradient needs UnsortedSegmentSum, which the wasm backend lacks, so both
 * gathers are customGrads whose backward is itself a gather, through the inverse index map
 * of the routing plan (a zero row stands for "no source"). Index tensors reach backward via
 * `save()`: tensors merely captured by the closure are disposed before backward runs.
 */
import * as tf from '@tensorflow/tfjs';
import { customOp } from './custom-grad.js';
import type { Activation } from '../../spec/types.js';
import type { Getter, OptionalGetter } from './attention.js';
import { ffn } from './ffn.js';
import type { RoutingPlan } from './router.js';

/**
 * Rows of `x` [N, D] at `idx` [M]. Backward: dx[n] = Σ_r dyPad[inv[n, r]] where dyPad is dy
 * with a zero row appended at index M; `inv` [N, R] lists, for each source row, the output
 * rows that read it (M where fewer than R do).
 */
export function gatherRows(x: tf.Tensor, idx: tf.Tensor, inv: tf.Tensor): tf.Tensor {
  const op = customOp<[tf.Tensor]>((xs, save) => {
    save([inv]);
    return {
      value: tf.gather(xs, idx),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const invS = saved[0]!;
        const [n, r] = invS.shape as [number, number];
        const d = dy.shape[1]!;
        const padded = tf.concat([dy, tf.zeros([1, d])], 0);
        const rows = tf.gather(padded, tf.reshape(invS, [-1]));
        return [r === 1 ? rows : tf.sum(tf.reshape(rows, [n, r, d]), 1)];
      },
    };
  });
  return op(x);
}

/** The plan's index maps as int32 tensors (created inside the caller's tidy). */
export interface PlanTensors {
  /** Token of each slot [kept]. */
  tokenOfSlot: tf.Tensor;
  /** Slot of each assignment, `kept` when dropped, as [T, K] (dispatch backward). */
  slotOfAssignment: tf.Tensor;
  /** Slot of each assignment [T·K] (combine forward). */
  slotFlat: tf.Tensor;
  /** Assignment of each slot, plus T·K for the zero row, as [kept + 1, 1] (combine backward). */
  assignmentOfSlot: tf.Tensor;
}

export function planTensors(plan: RoutingPlan): PlanTensors {
  const { tokens: T, topK: K, kept } = plan;
  const inv = new Int32Array(kept + 1);
  inv.set(plan.assignmentOfSlot);
  inv[kept] = T * K;
  return {
    tokenOfSlot: tf.tensor1d(plan.tokenOfSlot, 'int32'),
    slotOfAssignment: tf.tensor2d(plan.slotOf, [T, K], 'int32'),
    slotFlat: tf.tensor1d(plan.slotOf, 'int32'),
    assignmentOfSlot: tf.tensor2d(inv, [kept + 1, 1], 'int32'),
  };
}

/**
 * Σ_k w[t, k] · Expert_{choice(t,k)}(x[t]) over kept assignments; x [T, H], w [T, K].
 * `prefix` is the MoE block (`layers.1.moe`); experts live at `${prefix}.experts.${e}`.
 */
export function sparseExperts(
  x: tf.Tensor,
  w: tf.Tensor,
  plan: RoutingPlan,
  activation: Activation,
  get: Getter,
  opt: OptionalGetter,
  prefix: string,
): tf.Tensor {
  const { tokens: T, topK: K } = plan;
  const h = x.shape[1]!;
  const idx = planTensors(plan);
  const buffer = gatherRows(x, idx.tokenOfSlot, idx.slotOfAssignment);
  const active: number[] = [];
  for (let e = 0; e < plan.experts; e++) if (plan.counts[e]! > 0) active.push(e);
  // split's gradient is one concat; per-expert slices would each pad back to [kept, H].
  const blocks = active.length === 1 ? [buffer] : tf.split(buffer, active.map((e) => plan.counts[e]!), 0);
  const outputs = active.map((e, i) => ffn(activation, blocks[i]!, get, opt, `${prefix}.experts.${e}`));
  const results = tf.concat([...outputs, tf.zeros([1, h])], 0);
  const perAssignment = gatherRows(results, idx.slotFlat, idx.assignmentOfSlot);
  return tf.sum(tf.mul(tf.reshape(perAssignment, [T, K, h]), tf.reshape(w, [T, K, 1])), 1);
}
