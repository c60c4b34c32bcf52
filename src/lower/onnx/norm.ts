/**
 * ONNX lowering — normalizations (docs/semantics.md §Decoder). RMSNorm is emitted as the
 * Pow/ReduceMean/Add/Sqrt/Div/Mul chain that onnxruntime fuses into its
 * SimplifiedLayerNormalization kernel; LayerNorm is the standard LayerNormalization op
 * (opset 17) with population variance, as the semantics say; without a bias the op's optional
 * bias input is left out.
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

/** LayerNorm over the last axis with weight and, unless absent (DBRX), bias (an optional input of the op). */
export function layerNorm(ctx: EmitContext, x: string, weight: string, bias: string | undefined, eps: number): string {
  const inputs = [x, floatParam(ctx, weight)];
  if (bias) inputs.push(floatParam(ctx, bias));
  return ctx.b.op('LayerNormalization', inputs, { axis: -1, epsilon: f(eps) });
}

/** The model's norm (rmsnorm or layernorm) with tensors `<prefix>.weight` (+ `.bias`). */
export function modelNorm(ctx: EmitContext, x: string, prefix: string): string {
  const { type, eps, bias } = ctx.ir.norm;
  return ctx.b.scope(prefix, () =>
    type === 'layernorm' ? layerNorm(ctx, x, `${prefix}.weight`, bias ? `${prefix}.bias` : undefined, eps) : rmsNorm(ctx, x, `${prefix}.weight`, eps),
  );
}
