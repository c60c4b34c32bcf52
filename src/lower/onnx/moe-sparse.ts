/**
 * ONNX lowering — sparse MoE dispatch with standard ops: each expert runs only on the tokens
 * routed to it (docs/onnx-graph.md §MoE dispatch).
 *   1. Assignments a = k·T + t (k-major), expert e[a] (routing is per token: no capacity drops).
 *   2. TopK(ascending) over e as float sorts the assignments by expert: perm [A].
 *   3. Per-expert counts (one-hot ReduceSum) → segment ends by CumSum; expert e's tokens are
 *      Slice(perm mod T)[start_e : end_e] → Gather x → FFN_e → [n_e, hidden].
 *   4. Concat the expert outputs in sorted order, gather
 *      them back by the inverse permutation (ScatterElements with distinct indices — never a
 *      scatter-add with duplicates, which ORT computes wrongly under threads), weight each
 *      assignment, and sum the K choices of each token (Split into K contiguous blocks → Sum).
 */
import type { MoeIR } from '../../ir/types.js';
import { DT } from './graph-builder.js';
import { ffn } from './ffn.js';
import type { EmitContext } from './linear.js';
import { kMajor, type Routing } from './moe-router.js';

export function sparseExperts(ctx: EmitContext, x: string, routing: Routing, p: string, moe: MoeIR): string {
  const b = ctx.b;
  const E = moe.experts;
  return b.scope(`${p}.dispatch`, () => {
    const expert = kMajor(ctx, routing.idx); // [A] int64
    const weight = b.unsqueeze(kMajor(ctx, routing.w), [1]); // [A, 1]
    const count = b.shape(expert); // [1] = A
    const [, perm] = b.opN('TopK', [b.cast(expert, DT.FLOAT), count], { axis: 0, largest: 0, sorted: 1 }, { outputs: 2 });
    // Scalar max(T, 1): an empty input (T = 0, no assignments) would be an integer Mod by
    // zero, which kills the process (SIGFPE in onnxruntime) instead of giving empty logits.
    const tokens = b.op('Max', [b.squeeze(b.shape(x, 0, 1), [0]), b.i64([1], [])]);
    const tokenOf = b.op('Mod', [perm, tokens]); // token of each sorted assignment
    const ids = b.i64(Array.from({ length: E }, (_, e) => e), [1, E]);
    const onehot = b.cast(b.op('Equal', [b.unsqueeze(expert, [1]), ids]), DT.INT64);
    const counts = b.op('ReduceSum', [onehot, b.i64([0])], { keepdims: 0 }); // [E]
    const ends = b.op('CumSum', [counts, b.i64([0], [])]);
    const starts = b.sub(ends, counts);
    const outputs: string[] = [];
    for (let e = 0; e < E; e++) {
      const rows = b.scope(`expert${e}`, () => {
        const seg = b.slice(tokenOf, 0, b.slice(starts, 0, e, e + 1), b.slice(ends, 0, e, e + 1));
        return b.op('Gather', [x, seg], { axis: 0 });
      });
      outputs.push(ffn(ctx, rows, `${p}.experts.${e}`, moe.expert));
    }
    const sorted = b.concat(outputs, 0); // [A, hidden] in sorted order
    const positions = b.op('Range', [b.i64([0], []), b.squeeze(count, [0]), b.i64([1], [])]);
    const inverse = b.op('ScatterElements', [positions, perm, positions], { axis: 0 }); // inverse[perm[i]] = i
    const perAssignment = b.mul(b.op('Gather', [sorted, inverse], { axis: 0 }), weight);
    // Sum the K choices of each token: rows k·T … k·T+T−1 hold choice k. Split + Sum reads
    // contiguous blocks (a ReduceSum over the leading axis of [K, T, hidden] measured 5× slower).
    const K = moe.router.topK;
    if (K === 1) return perAssignment;
    // Sizes [T, …, T] rather than num_outputs, which onnxruntime refuses on an empty axis.
    const sizes = b.concat(Array.from({ length: K }, () => b.shape(x, 0, 1)), 0);
    const choices = b.opN('Split', [perAssignment, sizes], { axis: 0 }, { outputs: K });
    return b.op('Sum', choices);
  });
}
