/**
 * TensorFlow.js target — sparse MoE dispatch and combine (docs/tfjs.md §MoE dispatch).
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
import type { Getter, OptionalGetter } from './attention.js';
import { ffn, type FfnKind } from './ffn.js';
import type { RoutingPlan } from './router.js';

/**
 * On the wasm and cpu backends tensors live in host memory, where tfjs's GatherV2 kernel is slow
 * (wasm: 33–39 ms to gather 2,560 rows of 256 floats, against ~1 ms to slice as many): there the
 * row copies are done with TypedArray.set on the host. Device backends (tfjs-node, GPU) keep
 * tf.gather, where a host round trip would cost more than the kernel.
 */
const onHost = () => {
  const b = tf.getBackend();
  return b === 'wasm' || b === 'cpu';
};

function hostGather(x: tf.Tensor, idx: Int32Array): tf.Tensor {
  const d = x.shape[1]!;
  const src = x.dataSync() as Float32Array;
  const out = new Float32Array(idx.length * d);
  for (let i = 0; i < idx.length; i++) out.set(src.subarray(idx[i]! * d, idx[i]! * d + d), i * d);
  return tf.tensor2d(out, [idx.length, d]);
}

/** dx[n] = Σ_r dy[inv[n·R + r]], skipping the "no source" marker `none`. */
function hostGatherAdd(dy: tf.Tensor, inv: Int32Array, r: number, none: number): tf.Tensor {
  const d = dy.shape[1]!;
  const n = inv.length / r;
  const src = dy.dataSync() as Float32Array;
  const out = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < r; j++) {
      const m = inv[i * r + j]!;
      if (m === none) continue;
      const o = i * d;
      const s = m * d;
      for (let c = 0; c < d; c++) out[o + c] += src[s + c]!;
    }
  }
  return tf.tensor2d(out, [n, d]);
}

/**
 * Rows of `x` [N, D] at `idx` [M]. Backward: dx[n] = Σ_r dy[inv[n·R + r]] over the `R` output
 * rows that read source row n (`inv` [N·R]; M marks "no source" where fewer than R do).
 */
export function gatherRows(x: tf.Tensor, idx: Int32Array, inv: Int32Array, r: number): tf.Tensor {
  const m = idx.length;
  if (onHost()) {
    const op = customOp<[tf.Tensor]>((xs) => ({
      value: hostGather(xs, idx),
      gradFunc: (dy: tf.Tensor) => [hostGatherAdd(dy, inv, r, m)],
    }));
    return op(x);
  }
  const idxT = tf.tensor1d(idx, 'int32');
  const invT = tf.tensor1d(inv, 'int32');
  const op = customOp<[tf.Tensor]>((xs, save) => {
    save([invT]);
    return {
      value: tf.gather(xs, idxT),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const invS = saved[0]!;
        const d = dy.shape[1]!;
        const n = invS.shape[0]! / r;
        const padded = tf.concat([dy, tf.zeros([1, d])], 0);
        const rows = tf.gather(padded, invS);
        return [r === 1 ? rows : tf.sum(tf.reshape(rows, [n, r, d]), 1)];
      },
    };
  });
  return op(x);
}

/**
 * Σ_k w[t, k] · Expert_{choice(t,k)}(x[t]) over kept assignments; x [T, H], w [T, K].
 * `prefix` is the MoE block (`layers.1.moe`); experts live at `${prefix}.experts.${e}`.
 */
export function sparseExperts(
  x: tf.Tensor,
  w: tf.Tensor,
  plan: RoutingPlan,
  kind: FfnKind,
  get: Getter,
  opt: OptionalGetter,
  prefix: string,
): tf.Tensor {
  const { tokens: T, topK: K } = plan;
  const h = x.shape[1]!;
  const { kept } = plan;
  // Dispatch backward: each token's K slots (kept where dropped). Combine backward: each slot's
  // assignment, and T·K for the zero row appended after the experts' outputs.
  const assignmentOfSlot = new Int32Array(kept + 1);
  assignmentOfSlot.set(plan.assignmentOfSlot);
  assignmentOfSlot[kept] = T * K;
  const buffer = gatherRows(x, plan.tokenOfSlot, plan.slotOf, K);
  const active: number[] = [];
  for (let e = 0; e < plan.experts; e++) if (plan.counts[e]! > 0) active.push(e);
  // split's gradient is one concat; per-expert slices would each pad back to [kept, H].
  const blocks = active.length === 1 ? [buffer] : tf.split(buffer, active.map((e) => plan.counts[e]!), 0);
  const outputs = active.map((e, i) => ffn(kind, blocks[i]!, get, opt, `${prefix}.experts.${e}`));
  const results = tf.concat([...outputs, tf.zeros([1, h])], 0);
  const perAssignment = gatherRows(results, plan.slotOf, assignmentOfSlot, 1);
  return tf.sum(tf.mul(tf.reshape(perAssignment, [T, K, h]), tf.reshape(w, [T, K, 1])), 1);
}
