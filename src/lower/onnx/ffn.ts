/**
 * ONNX lowering — feed-forward blocks (docs/semantics.md §FFN): dense MLPs, each routed expert
 * and the fused shared experts all go through `ffn`. Gated: act(x·Wg + bg) ⊙ (x·Wu + bu) · Wd + bd;
 * ungated: act(x·Wu + bu) · Wd + bd. SiLU is x·sigmoid(x); GELU is the exact erf form (Gelu,
 * opset 20, approximate 'none'). clamped_swiglu is gpt-oss's (transformers
 * gpt_oss/modular_gpt_oss.py, GptOssExperts): g = min(gate, limit), u = clip(up, ±limit),
 * (u + 1) · g · sigmoid(alpha · g).
 */
import type { Activation } from '../../spec/types.js';
import type { FfnIR } from '../../ir/types.js';
import { isGated } from '../../ir/tensors.js';
import { linearMaybeBias, type EmitContext } from './linear.js';

type FfnKind = Pick<FfnIR, 'activation' | 'swigluLimit' | 'swigluAlpha'>;

export function activation(ctx: EmitContext, x: string, act: Exclude<Activation, 'clamped_swiglu'>): string {
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

/** gpt-oss's gated unit from the gate and up projections. */
function clampedSwiglu(ctx: EmitContext, gate: string, up: string, f: FfnKind): string {
  const b = ctx.b;
  const limit = f.swigluLimit!;
  const g = b.op('Min', [gate, b.f32([limit])]);
  const u = b.op('Clip', [up, b.f32([-limit]), b.f32([limit])]);
  const glu = b.mul(g, b.op('Sigmoid', [b.mul(g, b.f32([f.swigluAlpha!]))]));
  return b.mul(b.add(u, b.f32([1])), glu);
}

/** One FFN with tensors under `prefix` (e.g. `layers.0.mlp`, `layers.1.moe.experts.3`). */
export function ffn(ctx: EmitContext, x: string, prefix: string, f: FfnKind): string {
  return ctx.b.scope(prefix, () => {
    const up = linearMaybeBias(ctx, x, `${prefix}.up_proj`);
    let hidden: string;
    if (f.activation === 'clamped_swiglu') hidden = clampedSwiglu(ctx, linearMaybeBias(ctx, x, `${prefix}.gate_proj`), up, f);
    else if (isGated(f.activation)) hidden = ctx.b.mul(activation(ctx, linearMaybeBias(ctx, x, `${prefix}.gate_proj`), f.activation), up);
    else hidden = activation(ctx, up, f.activation);
    return linearMaybeBias(ctx, hidden, `${prefix}.down_proj`);
  });
}
