/**
 * ONNX lowering — normalizations (docs/semantics.md §Decoder). RMSNorm is emitted as the
 * Pow/ReduceMean/Add/Sqrt/Div/Mul chain that onnxruntime fuses into its
 * SimplifiedLayerNormalization kernel; LayerNorm is the standard LayerNormalization op
 * (opset 17) with population variance, as the semantics say.
 */
import { f } from './graph-builder.js';
import { floatParam, type EmitContext } from './linear.js';

/** RMSNorm over the last axis: `x / sqrt(mean(x²) + eps) ⊙ w`. */
export function rmsNorm(ctx: EmitContext, x: string, weight: string, eps: number): string {
  const b = ctx.b;
  const sq = b.op('Pow', [x, b.f32([2])]);
  const mean = b.op('ReduceMean', [sq, b.i64([-1])], { keepdims: 1 });
  const denom = b.op('Sqrt', [b.add(mean, b.f32([eps]))]);
  return b.mul(b.div(x, denom), floatParam(ctx, weight));
}

/** LayerNorm over the last axis with weight and bias. */
export function layerNorm(ctx: EmitContext, x: string, weight: string, bias: string, eps: number): string {
  return ctx.b.op('LayerNormalization', [x, floatParam(ctx, weight), floatParam(ctx, bias)], { axis: -1, epsilon: f(eps) });
}

/** The model's norm (rmsnorm or layernorm) with tensors `<prefix>.weight` (+ `.bias`). */
export function modelNorm(ctx: EmitContext, x: string, prefix: string): string {
  const { type, eps } = ctx.ir.norm;
  return ctx.b.scope(prefix, () =>
    type === 'layernorm' ? layerNorm(ctx, x, `${prefix}.weight`, `${prefix}.bias`, eps) : rmsNorm(ctx, x, `${prefix}.weight`, eps),
  );
}
