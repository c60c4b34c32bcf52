/**
 * ONNX lowering — MoE routing (docs/semantics.md §MoE block, steps 1–7), shared by the sparse,
 * dense-masked and fused dispatches. Input x [T, hidden] (tokens flattened over the batch).
 * Output: idx [T, K] int64 expert ids (TopK breaks ties toward the lower index, as the
 * semantics require), w [T, K] float routing weights, and — when capacity drops — keep [T, K]
 * bool, false for assignments past their expert's capacity.
 * Capacity order (router.dropPolicy): assignments flattened k-major for `gshard` (all first
 * choices in token order, then all second choices, …), token-major for `position`, and sorted
 * by routing weight (TopK, descending, ties to the lower token-major index) for `probs`; an
 * exclusive CumSum of the one-hot [T·K, E] in that order gives each assignment's position
 * within its expert, compared to C = ceil((T·K / E) · cf) (Megatron's get_capacity order)
 * computed in double precision from the dynamic T.
 */
import type { MoeIR } from '../../ir/types.js';
import { DT } from './graph-builder.js';
import { floatParam, linearMaybeBias, type EmitContext } from './linear.js';

export interface Routing {
  idx: string;
  w: string;
  keep?: string;
  /** Router probabilities [T, E] (softmax or sigmoid scores), for the fused op. */
  logits: string;
}

/** Flatten [T, K] to [T·K] in k-major order (all first choices, then all second, …). */
export function kMajor(ctx: EmitContext, x: string): string {
  return ctx.b.reshape(ctx.b.transpose(x, [1, 0]), [-1]);
}

function groupLimited(ctx: EmitContext, sel: string, moe: MoeIR): string {
  const b = ctx.b;
  const r = moe.router;
  const g = r.groups;
  const grouped = b.reshape(sel, [0, g, moe.experts / g]); // [T, G, E/G]
  const groupScore =
    r.groupScore === 'max'
      ? b.op('ReduceMax', [grouped, b.i64([-1])], { keepdims: 0 })
      : b.op('ReduceSum', [b.opN('TopK', [grouped, b.i64([2])], { axis: -1 }, { outputs: 2 })[0], b.i64([-1])], { keepdims: 0 });
  const [, top] = b.opN('TopK', [groupScore, b.i64([r.topGroups])], { axis: -1 }, { outputs: 2 }); // [T, topGroups]
  // Scatter "true" into the kept groups (indices are distinct within a row).
  const zeros = b.op('ConstantOfShape', [b.shape(groupScore)], { value: b.tensorValue(DT.BOOL, [1], Uint8Array.of(0)) });
  const ones = b.op('Expand', [b.bool([true]), b.shape(top)]);
  const keepGroup = b.unsqueeze(b.op('ScatterElements', [zeros, top, ones], { axis: 1 }), [-1]); // [T, G, 1]
  const masked = b.op('Where', [keepGroup, grouped, b.f32([-Infinity])]);
  return b.reshape(masked, [0, moe.experts]);
}

/** Position of each assignment of `order` [A, 1] (experts, in fill order) within its expert: [A, 1]. */
function positionsInExpert(ctx: EmitContext, order: string, experts: number): string {
  const b = ctx.b;
  const onehot = b.cast(b.op('Equal', [order, b.i64(Array.from({ length: experts }, (_, e) => e), [1, experts])]), DT.INT32);
  const before = b.op('CumSum', [onehot, b.i64([0], [])], { exclusive: 1 }); // [A, E]
  return b.op('GatherElements', [before, order], { axis: 1 });
}

function capacityKeep(ctx: EmitContext, x: string, idx: string, w: string, moe: MoeIR): string {
  const b = ctx.b;
  const r = moe.router;
  const E = moe.experts;
  const tokens = b.cast(b.shape(x, 0, 1), DT.DOUBLE);
  const cap = b.cast(b.op('Ceil', [b.mul(b.div(b.mul(tokens, b.f64(r.topK)), b.f64(E)), b.f64(r.capacityFactor!))]), DT.INT32);
  if (r.dropPolicy === 'gshard') {
    const keepFlat = b.op('Less', [positionsInExpert(ctx, b.unsqueeze(kMajor(ctx, idx), [1]), E), cap]); // [A, 1]
    return b.transpose(b.reshape(keepFlat, [r.topK, -1]), [1, 0]); // [T, K]
  }
  const flat = b.reshape(idx, [-1, 1]); // token-major [A, 1]
  if (r.dropPolicy === 'position') return b.reshape(b.op('Less', [positionsInExpert(ctx, flat, E), cap]), [-1, r.topK]);
  // probs: fill in descending routing weight; positions are scattered back to token-major order.
  const weights = b.reshape(w, [-1]);
  const count = b.shape(weights); // [1] = A
  const [, perm] = b.opN('TopK', [weights, count], { axis: 0, largest: 1, sorted: 1 }, { outputs: 2 });
  const sorted = b.op('Gather', [flat, perm], { axis: 0 }); // [A, 1]
  const posSorted = b.reshape(positionsInExpert(ctx, sorted, E), [-1]);
  const pos = b.op('ScatterElements', [posSorted, perm, posSorted], { axis: 0 }); // pos[perm[i]] = posSorted[i]
  return b.reshape(b.op('Less', [pos, cap]), [-1, r.topK]);
}

export function route(ctx: EmitContext, x: string, p: string, moe: MoeIR): Routing {
  const b = ctx.b;
  const r = moe.router;
  return b.scope(`${p}.router`, () => {
    const logits = linearMaybeBias(ctx, x, `${p}.router`);
    const s = r.score === 'softmax' ? b.op('Softmax', [logits], { axis: -1 }) : b.op('Sigmoid', [logits]);
    let sel = r.biasUpdate > 0 ? b.add(s, floatParam(ctx, `${p}.router.score_bias`)) : s;
    if (r.groups > 1) sel = groupLimited(ctx, sel, moe);
    const [, idx] = b.opN('TopK', [sel, b.i64([r.topK])], { axis: -1, largest: 1, sorted: 1 }, { outputs: 2 });
    let w = b.op('GatherElements', [s, idx], { axis: 1 });
    if (r.normTopK) w = b.div(w, b.add(b.op('ReduceSum', [w, b.i64([-1])], { keepdims: 1 }), b.f32([1e-20])));
    if (r.scaling !== 1) w = b.mul(w, b.f32([r.scaling]));
    const drops = r.capacityFactor !== undefined && r.overflow === 'drop';
    return { idx, w, keep: drops ? capacityKeep(ctx, x, idx, w, moe) : undefined, logits };
  });
}

