/**
 * ONNX lowering — MoE routing (docs/semantics.md §MoE block, steps 1–7), shared by the sparse,
 * dense-masked and fused dispatches. Input x [T, hidden] (tokens flattened over the batch).
 * Output: idx [T, K] int64 expert ids (TopK breaks ties toward the lower index, as the
 * semantics require) and w [T, K] float routing weights.
 * Routing is per token: capacity and token dropping are training-only (docs/semantics.md
 * §Inference routing), so a token's output never depends on the other tokens of the batch.
 */
import type { MoeIR } from '../../ir/types.js';
import { DT } from './graph-builder.js';
import { floatParam, linearMaybeBias, type EmitContext } from './linear.js';

export interface Routing {
  idx: string;
  w: string;
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

export function route(ctx: EmitContext, x: string, p: string, moe: MoeIR): Routing {
  const b = ctx.b;
  const r = moe.router;
  return b.scope(`${p}.router`, () => {
    const logits = linearMaybeBias(ctx, x, `${p}.router`);
    // onnxruntime's TopK kills the process (SIGFPE) on a tensor with zero rows — an empty input —
    // so the choice runs on the tokens plus one zero row, dropped again below (E floats).
    const tokens = b.shape(logits, 0, 1);
    const padded = b.concat([logits, b.f32(new Float32Array(moe.experts), [1, moe.experts])], 0);
    const s = r.score === 'softmax' ? b.op('Softmax', [padded], { axis: -1 }) : b.op('Sigmoid', [padded]);
    let sel = r.biasUpdate > 0 ? b.add(s, floatParam(ctx, `${p}.router.score_bias`)) : s;
    if (r.groups > 1) sel = groupLimited(ctx, sel, moe);
    const [, top] = b.opN('TopK', [sel, b.i64([r.topK])], { axis: -1, largest: 1, sorted: 1 }, { outputs: 2 });
    const idx = b.slice(top, 0, 0, tokens);
    let w = b.op('GatherElements', [b.slice(s, 0, 0, tokens), idx], { axis: 1 });
    if (r.normTopK) w = b.div(w, b.add(b.op('ReduceSum', [w, b.i64([-1])], { keepdims: 1 }), b.f32([1e-20])));
    if (r.scaling !== 1) w = b.mul(w, b.f32([r.scaling]));
    return { idx, w, logits };
  });
}

