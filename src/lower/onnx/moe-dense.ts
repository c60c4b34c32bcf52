/**
 * ONNX lowering — the dense-masked MoE baseline: every expert runs on every token and its
 * output is weighted by a [T, E] gate matrix that is zero outside the token's top-k. Correct but E/K times the expert FLOPs of the sparse dispatch; kept
 * for the benchmark and as a debugging option (`moe: 'dense'`).
 */
import type { MoeIR } from '../../ir/types.js';
import { DT } from './graph-builder.js';
import { ffn } from './ffn.js';
import type { EmitContext } from './linear.js';
import type { Routing } from './moe-router.js';

export function denseExperts(ctx: EmitContext, x: string, routing: Routing, p: string, moe: MoeIR): string {
  const b = ctx.b;
  const E = moe.experts;
  return b.scope(`${p}.dense`, () => {
    const w = routing.w;
    const shape = b.concat([b.shape(x, 0, 1), b.i64([E])], 0);
    const zeros = b.op('ConstantOfShape', [shape], { value: b.tensorValue(DT.FLOAT, [1], new Uint8Array(4)) });
    // Top-k indices are distinct within a row, so this scatter has no duplicate targets.
    const gates = b.op('ScatterElements', [zeros, routing.idx, w], { axis: 1 }); // [T, E]
    let sum: string | undefined;
    for (let e = 0; e < E; e++) {
      const y = b.mul(ffn(ctx, x, `${p}.experts.${e}`, moe.expert), b.slice(gates, 1, e, e + 1));
      sum = sum ? b.add(sum, y) : y;
    }
    return sum!;
  });
}
