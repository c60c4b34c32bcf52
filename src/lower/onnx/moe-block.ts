/**
 * ONNX lowering — one MoE FFN block (docs/semantics.md §MoE block, step 8): flatten tokens,
 * route, dispatch (sparse by default; dense-masked or the fused com.microsoft.MoE on request),
 * add the shared experts (times sigmoid(x·Wsg) when gated), restore [batch, seq, hidden].
 */
import type { MoeIR } from '../../ir/types.js';
import { ffn } from './ffn.js';
import { linear, type EmitContext } from './linear.js';
import { denseExperts } from './moe-dense.js';
import { fusedExperts, fusedMisfit } from './moe-fused.js';
import { route } from './moe-router.js';
import { sparseExperts } from './moe-sparse.js';

export type MoeDispatch = 'sparse' | 'dense' | 'fused';

export function moeBlock(ctx: EmitContext, x3: string, p: string, moe: MoeIR, dispatch: MoeDispatch): string {
  const b = ctx.b;
  return b.scope(p, () => {
    const x = b.reshape(x3, [-1, ctx.ir.hidden]); // [T, hidden]
    let routed: string;
    if (dispatch === 'fused' && !fusedMisfit(ctx, moe)) {
      routed = fusedExperts(ctx, x, p, moe);
    } else {
      const routing = route(ctx, x, p, moe);
      routed = dispatch === 'dense' ? denseExperts(ctx, x, routing, p, moe) : sparseExperts(ctx, x, routing, p, moe);
    }
    let y = routed;
    if (moe.shared) {
      let shared = ffn(ctx, x, `${p}.shared`, moe.shared);
      if (moe.shared.gate) shared = b.mul(shared, b.op('Sigmoid', [linear(ctx, x, `${p}.shared.gate.weight`)]));
      y = b.add(y, shared);
    }
    // allowzero: a 0 in the shape is a length 0 (an empty sequence), not "copy the input's dim".
    return b.op('Reshape', [y, b.shape(x3)], { allowzero: 1 });
  });
}
