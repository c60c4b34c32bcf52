/**
 * ONNX lowering — feed-forward blocks (docs/semantics.md §FFN): dense MLPs, each routed expert
 * and the fused shared experts all go through `ffn`. Gated: act(x·Wg + bg) ⊙ (x·Wu + bu) · Wd + bd;
 * ungated: act(x·Wu + bu) · Wd + bd. SiLU is x·sigmoid(x); GELU is the exact erf form (Gelu,
 * opset 20, approximate 'none').
 */
import type { Activation } from '../../spec/types.js';
import type { FfnIR } from '../../ir/types.js';
import { linearMaybeBias, type EmitContext } from './linear.js';

export function activation(ctx: EmitContext, x: string, act: Activation): string {
  const b = ctx.b;
  switch (act) {
    case 'swiglu':
    case 'silu':
      return b.mul(x, b.op('Sigmoid', [x]));
    case 'geglu':
    case 'gelu':
      return b.op('Gelu', [x], { approximate: 'none' });
    case 'relu':
      return b.op('Relu', [x]);
  }
}

const gated = (act: Activation): boolean => act === 'swiglu' || act === 'geglu';

/** One FFN with tensors under `prefix` (e.g. `layers.0.mlp`, `layers.1.moe.experts.3`). */
export function ffn(ctx: EmitContext, x: string, prefix: string, f: Pick<FfnIR, 'activation'>): string {
  return ctx.b.scope(prefix, () => {
    const up = linearMaybeBias(ctx, x, `${prefix}.up_proj`);
    const hidden = gated(f.activation)
      ? ctx.b.mul(activation(ctx, linearMaybeBias(ctx, x, `${prefix}.gate_proj`), f.activation), up)
      : activation(ctx, up, f.activation);
    return linearMaybeBias(ctx, hidden, `${prefix}.down_proj`);
  });
}
