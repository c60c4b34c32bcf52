/**
 * ONNX lowering — linears `y = x·W (+ b)` with W stored as the tensor's `quant` says
 * (docs/onnx-graph.md §Quantization):
 *   fp32        MatMul on the float initializer;
 *   fp16, bf16  half-size initializer → Cast(float) → MatMul (ORT folds the Cast at load, so
 *               the file halves and compute stays fp32);
 *   int8        DequantizeLinear (per tensor / per output channel / blocked along the input)
 *               → MatMul, which ORT rewrites into its quantized kernels; with int8 activations
 *               (quantize.activations int8) DynamicQuantizeLinear → MatMulInteger instead;
 *   int4        com.microsoft.MatMulNBits for block granularity (power-of-two block ≥ 16);
 *               otherwise DequantizeLinear over an INT4/UINT4 initializer.
 * The quantized data keeps the IR tensor name; scales and zero points are `<name>_scale`
 * and `<name>_zero_point`.
 */
import type { ModelIR, TensorIR } from '../../ir/types.js';
import { DT, GraphBuilder, rawBytes } from './graph-builder.js';
import { packNibbles, quantizeMatrix, toBFloat16, toFloat16, transpose2d, type Quantized } from './quantize.js';

/** What every emitter needs: the builder, the IR and the weights by IR name. */
export interface EmitContext {
  b: GraphBuilder;
  ir: ModelIR;
  weights: Map<string, Float32Array>;
  tensors: Map<string, TensorIR>;
}

export function tensorOf(ctx: EmitContext, name: string): TensorIR {
  const t = ctx.tensors.get(name);
  if (!t) throw new Error(`internal: no IR tensor named ${name}`);
  return t;
}

export function weightOf(ctx: EmitContext, name: string): Float32Array {
  const w = ctx.weights.get(name);
  if (!w) throw new Error(`weights are missing tensor ${name}`);
  const size = tensorOf(ctx, name).shape.reduce((a, b) => a * b, 1);
  if (w.length !== size) throw new Error(`weight ${name} has ${w.length} values, expected ${size}`);
  return w;
}

/** A float32 parameter (norm weights, biases, sinks), added once under its IR name. */
export function floatParam(ctx: EmitContext, name: string): string {
  if (ctx.b.hasInitializer(name)) return name;
  return ctx.b.floatInit(name, tensorOf(ctx, name).shape, weightOf(ctx, name));
}

// The storage layouts live in storage-layout.ts (arithmetic only, shared with `moec explain`).
export { isPow2, usesMatMulNBits } from './storage-layout.js';
import { usesMatMulNBits } from './storage-layout.js';

function zeroPointInit(b: GraphBuilder, name: string, q: Quantized, dims: number[], values: Int32Array): string {
  const raw = q.bits === 8 ? rawBytes(Uint8Array.from(values)) : packNibbles(values);
  return b.initializer(`${name}_zero_point`, q.bits === 8 ? DT.UINT8 : DT.UINT4, dims, raw);
}

/** DequantizeLinear over W [in, out] quantized as [out, in] vectors. */
function dequantized(ctx: EmitContext, name: string, q: Quantized, inDim: number, outDim: number): string {
  const b = ctx.b;
  const codes = q.codes;
  // Back to the [in, out] layout MatMul reads.
  const data = new Int32Array(codes.length);
  for (let o = 0; o < outDim; o++) for (let i = 0; i < inDim; i++) data[i * outDim + o] = codes[o * inDim + i];
  const type = q.bits === 8 ? (q.symmetric ? DT.INT8 : DT.UINT8) : q.symmetric ? DT.INT4 : DT.UINT4;
  const raw = q.bits === 8 ? rawBytes(q.symmetric ? Int8Array.from(data) : Uint8Array.from(data)) : packNibbles(data);
  b.initializer(name, type, [inDim, outDim], raw);
  let scaleDims: number[];
  let scales = q.scales;
  let zps = q.zeroPoints;
  const attrs: Record<string, number> = {};
  if (q.perTensor) scaleDims = [];
  else if (q.blocks === 1) {
    scaleDims = [outDim];
    attrs.axis = 1;
  } else {
    scaleDims = [q.blocks, outDim];
    scales = transpose2d(q.scales, outDim, q.blocks);
    zps = Int32Array.from(transpose2d(Float32Array.from(q.zeroPoints), outDim, q.blocks));
    attrs.axis = 0;
    attrs.block_size = q.block;
  }
  const inputs = [name, b.floatInit(`${name}_scale`, scaleDims, scales)];
  if (!q.symmetric) inputs.push(zeroPointInit(b, name, q, scaleDims, zps));
  return b.op('DequantizeLinear', inputs, attrs);
}

/** com.microsoft.MatMulNBits: B [N, blocks, block/2] low nibble first, scales [N, blocks]. */
function matMulNBits(ctx: EmitContext, x: string, name: string, q: Quantized, accuracyLevel: number): string {
  const b = ctx.b;
  const padded = q.blocks * q.block;
  const codes = new Int32Array(q.n * padded);
  for (let r = 0; r < q.n; r++) {
    for (let c = 0; c < padded; c++) {
      const g = r * q.blocks + Math.floor(c / q.block);
      // Unsigned codes; symmetric ones sit around the op's default zero point 8.
      const code = c < q.k ? q.codes[r * q.k + c] + (q.symmetric ? 8 : 0) : q.symmetric ? 8 : q.zeroPoints[g];
      codes[r * padded + c] = code;
    }
  }
  b.initializer(name, DT.UINT8, [q.n, q.blocks, q.block / 2], packNibbles(codes));
  const inputs = [x, name, b.floatInit(`${name}_scale`, [q.n, q.blocks], q.scales)];
  if (!q.symmetric) {
    // Zero points: 4-bit, packed per row (each row padded to a whole byte).
    const perRow = Math.ceil(q.blocks / 2);
    const zp = new Uint8Array(q.n * perRow);
    for (let r = 0; r < q.n; r++) zp.set(packNibbles(q.zeroPoints.subarray(r * q.blocks, (r + 1) * q.blocks)), r * perRow);
    inputs.push(b.initializer(`${name}_zero_point`, DT.UINT8, [q.n * perRow], zp));
  }
  const attrs: Record<string, number> = { K: q.k, N: q.n, bits: 4, block_size: q.block };
  if (accuracyLevel) attrs.accuracy_level = accuracyLevel;
  return b.op('MatMulNBits', inputs, attrs, { domain: 'com.microsoft' });
}

/** DynamicQuantizeLinear → MatMulInteger → Cast → ·(x_scale · w_scale): ORT fuses it to DynamicQuantizeMatMul. */
function matMulInteger(ctx: EmitContext, x: string, name: string, q: Quantized, inDim: number, outDim: number): string {
  const b = ctx.b;
  // Weights are stored uint8 (symmetric codes shifted by 128): MLAS's u8s8 kernels on AVX2
  // saturate int16 pair sums, u8u8 do not (measured: int8 error 0.30 → 0.08 on the tiny spec).
  const shift = q.symmetric ? 128 : 0;
  const data = new Uint8Array(q.codes.length);
  for (let o = 0; o < outDim; o++) for (let i = 0; i < inDim; i++) data[i * outDim + o] = q.codes[o * inDim + i] + shift;
  b.initializer(name, DT.UINT8, [inDim, outDim], data);
  const dims = q.perTensor ? [] : [outDim];
  const scale = b.floatInit(`${name}_scale`, dims, q.scales);
  const zp = b.initializer(`${name}_zero_point`, DT.UINT8, dims, Uint8Array.from(q.zeroPoints, (z) => z + shift));
  const [xq, xs, xzp] = b.opN('DynamicQuantizeLinear', [x], {}, { outputs: 3 });
  const acc = b.op('MatMulInteger', [xq, name, xzp, zp]);
  return b.mul(b.cast(acc, DT.FLOAT), b.mul(xs, scale));
}

/** The weight W [in, out] as a float tensor value (for graphs that need W itself, e.g. tied heads). */
export function linearWeight(ctx: EmitContext, name: string): string {
  const t = tensorOf(ctx, name);
  const w = weightOf(ctx, name);
  const [inDim, outDim] = t.shape;
  const q = t.quant;
  const b = ctx.b;
  if (q.dtype === 'fp32') return b.floatInit(name, t.shape, w);
  if (q.dtype === 'fp16' || q.dtype === 'bf16') {
    const half = q.dtype === 'fp16' ? toFloat16(w) : toBFloat16(w);
    b.initializer(name, q.dtype === 'fp16' ? DT.FLOAT16 : DT.BFLOAT16, t.shape, rawBytes(half));
    return b.cast(name, DT.FLOAT);
  }
  const bits = q.dtype === 'int8' ? 8 : 4;
  return dequantized(ctx, name, quantizeMatrix(transpose2d(w, inDim, outDim), outDim, inDim, q, bits), inDim, outDim);
}

/** `x · W (+ bias)` for the IR linear weight `name`. */
export function linear(ctx: EmitContext, x: string, name: string, bias?: string): string {
  const t = tensorOf(ctx, name);
  const q = t.quant;
  const [inDim, outDim] = t.shape;
  const actInt8 = ctx.ir.quantize.activations.dtype === 'int8';
  let y: string;
  if (q.dtype === 'int4' && usesMatMulNBits(q)) {
    const qm = quantizeMatrix(transpose2d(weightOf(ctx, name), inDim, outDim), outDim, inDim, q, 4);
    y = matMulNBits(ctx, x, name, qm, actInt8 ? 4 : 0);
  } else if (q.dtype === 'int8' && actInt8 && q.granularity !== 'block') {
    const qm = quantizeMatrix(transpose2d(weightOf(ctx, name), inDim, outDim), outDim, inDim, q, 8);
    y = matMulInteger(ctx, x, name, qm, inDim, outDim);
  } else {
    y = ctx.b.matmul(x, linearWeight(ctx, name));
  }
  return bias ? ctx.b.add(y, floatParam(ctx, bias)) : y;
}

/** `x · W + b` where the bias is present in the IR only when the layer has one. */
export function linearMaybeBias(ctx: EmitContext, x: string, prefix: string): string {
  const bias = `${prefix}.bias`;
  return linear(ctx, x, `${prefix}.weight`, ctx.tensors.has(bias) ? bias : undefined);
}
