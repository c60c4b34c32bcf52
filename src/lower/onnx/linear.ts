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
import type { ModelIR, QuantIR, TensorIR } from '../../ir/types.js';
import { DT, GraphBuilder } from './graph-builder.js';
import { Conversion, deferAll, floatBytes, type DataContext } from './initializer-data.js';
import { transpose2d } from './quantize.js';
import { halfTensor, quantizeTensor, quantLayout, type QuantLayout, type StoredCodes } from './quantize-tensor.js';

/** What every emitter needs: the builder, the IR and its tensors by name (weights are read when written). */
export interface EmitContext {
  b: GraphBuilder;
  ir: ModelIR;
  tensors: Map<string, TensorIR>;
}

export function tensorOf(ctx: EmitContext, name: string): TensorIR {
  const t = ctx.tensors.get(name);
  if (!t) throw new Error(`internal: no IR tensor named ${name}`);
  return t;
}

const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** A float32 parameter (norm weights, biases, sinks), added once under its IR name. */
export function floatParam(ctx: EmitContext, name: string): string {
  return ctx.b.hasInitializer(name) ? name : floatInit(ctx, name);
}

// The storage layouts live in storage-layout.ts (arithmetic only, shared with `moec explain`).
export { isPow2, usesMatMulNBits } from './storage-layout.js';
import { usesMatMulNBits } from './storage-layout.js';

const nibbleBytes = (count: number) => Math.ceil(count / 2);

/** A conversion that quantizes IR weight `name` once and yields `parts` of the result. */
function quantized(name: string, lengths: number[], quantize: (w: Float32Array, d: DataContext) => StoredCodes, parts: (q: StoredCodes) => Uint8Array[]): Conversion {
  return new Conversion([name], lengths, (d) => parts(quantize(d.read(name, true), d)));
}

/** Zero points stored at the quantized width: bytes (int8) or packed nibbles (int4). */
function packedZeroPoints(values: Uint8Array, bits: 4 | 8): Uint8Array {
  if (bits === 8) return values;
  const out = new Uint8Array(nibbleBytes(values.length));
  for (let i = 0; i < values.length; i++) out[i >> 1] |= i & 1 ? (values[i] & 15) << 4 : values[i] & 15;
  return out;
}

/** DequantizeLinear over W [in, out] quantized as [out, in] vectors; codes stored in W's own [in, out] order. */
function dequantized(ctx: EmitContext, name: string, L: QuantLayout): string {
  const b = ctx.b;
  const [inDim, outDim] = [L.k, L.n];
  const type = L.bits === 8 ? (L.symmetric ? DT.INT8 : DT.UINT8) : L.symmetric ? DT.INT4 : DT.UINT4;
  let scaleDims: number[];
  const attrs: Record<string, number> = {};
  if (L.perTensor) scaleDims = [];
  else if (L.blocks === 1) {
    scaleDims = [outDim];
    attrs.axis = 1;
  } else {
    scaleDims = [L.blocks, outDim];
    attrs.axis = 0;
    attrs.block_size = L.block;
  }
  const codeBytes = L.bits === 8 ? inDim * outDim : nibbleBytes(inDim * outDim);
  const zpBytes = L.bits === 8 ? L.groups : nibbleBytes(L.groups);
  // [N, blocks] → the [blocks, N] order DequantizeLinear's axis 0 wants.
  const blockMajor = (v: Float32Array) => (scaleDims.length === 2 ? transpose2d(v, outDim, L.blocks) : v);
  const conversion = quantized(name, [codeBytes, 4 * L.groups, ...(L.symmetric ? [] : [zpBytes])],
    (w, d) => quantizeTensor(w, L, { vectorsAreRows: false, vectorMajor: false, stride: 0, add: 0 }, d.pool),
    (q) => [
      q.codes,
      floatBytes(blockMajor(q.scales)),
      ...(L.symmetric ? [] : [packedZeroPoints(scaleDims.length === 2 ? Uint8Array.from(transpose2d(Float32Array.from(q.zeroPoints), outDim, L.blocks)) : q.zeroPoints, L.bits)]),
    ]);
  const [codes, scales, zps] = deferAll(conversion);
  b.initializer(name, type, [inDim, outDim], codes);
  const inputs = [name, b.initializer(`${name}_scale`, DT.FLOAT, scaleDims, scales)];
  if (!L.symmetric) inputs.push(b.initializer(`${name}_zero_point`, L.bits === 8 ? DT.UINT8 : DT.UINT4, scaleDims, zps));
  return b.op('DequantizeLinear', inputs, attrs);
}

/** com.microsoft.MatMulNBits: B [N, blocks, block/2] low nibble first, scales [N, blocks]. */
function matMulNBits(ctx: EmitContext, x: string, name: string, L: QuantLayout, accuracyLevel: number): string {
  const b = ctx.b;
  const padded = L.blocks * L.block;
  // Zero points: 4-bit, packed per row (each row padded to a whole byte).
  const perRow = Math.ceil(L.blocks / 2);
  const rowZeroPoints = (zp: Uint8Array): Uint8Array => {
    const out = new Uint8Array(L.n * perRow);
    for (let r = 0; r < L.n; r++) out.set(packedZeroPoints(zp.subarray(r * L.blocks, (r + 1) * L.blocks), 4), r * perRow);
    return out;
  };
  // Unsigned codes; symmetric ones sit around the op's default zero point 8.
  const conversion = quantized(name, [(L.n * padded) / 2, 4 * L.groups, ...(L.symmetric ? [] : [L.n * perRow])],
    (w, d) => quantizeTensor(w, L, { vectorsAreRows: false, vectorMajor: true, stride: padded, add: L.symmetric ? 8 : 0 }, d.pool),
    (q) => [q.codes, floatBytes(q.scales), ...(L.symmetric ? [] : [rowZeroPoints(q.zeroPoints)])]);
  const [codes, scales, zps] = deferAll(conversion);
  b.initializer(name, DT.UINT8, [L.n, L.blocks, L.block / 2], codes);
  const inputs = [x, name, b.initializer(`${name}_scale`, DT.FLOAT, [L.n, L.blocks], scales)];
  if (!L.symmetric) inputs.push(b.initializer(`${name}_zero_point`, DT.UINT8, [L.n * perRow], zps));
  const attrs: Record<string, number> = { K: L.k, N: L.n, bits: 4, block_size: L.block };
  if (accuracyLevel) attrs.accuracy_level = accuracyLevel;
  return b.op('MatMulNBits', inputs, attrs, { domain: 'com.microsoft' });
}

/** DynamicQuantizeLinear → MatMulInteger → Cast → ·(x_scale · w_scale): ORT fuses it to DynamicQuantizeMatMul. */
function matMulInteger(ctx: EmitContext, x: string, name: string, L: QuantLayout): string {
  const b = ctx.b;
  // Weights are stored uint8 (symmetric codes shifted by 128): MLAS's u8s8 kernels on AVX2
  // saturate int16 pair sums, u8u8 do not (measured: int8 error 0.30 → 0.08 on the tiny spec).
  const shift = L.symmetric ? 128 : 0;
  const dims = L.perTensor ? [] : [L.n];
  const conversion = quantized(name, [L.k * L.n, 4 * L.groups, L.groups],
    (w, d) => quantizeTensor(w, L, { vectorsAreRows: false, vectorMajor: false, stride: 0, add: shift }, d.pool),
    (q) => [q.codes, floatBytes(q.scales), Uint8Array.from(q.zeroPoints, (z) => z + shift)]);
  const [codes, scales, zps] = deferAll(conversion);
  b.initializer(name, DT.UINT8, [L.k, L.n], codes);
  const scale = b.initializer(`${name}_scale`, DT.FLOAT, dims, scales);
  const zp = b.initializer(`${name}_zero_point`, DT.UINT8, dims, zps);
  const [xq, xs, xzp] = b.opN('DynamicQuantizeLinear', [x], {}, { outputs: 3 });
  const acc = b.op('MatMulInteger', [xq, name, xzp, zp]);
  return b.mul(b.cast(acc, DT.FLOAT), b.mul(xs, scale));
}

/** fp16 / bf16 storage of a float tensor: one conversion, one initializer. */
export function halfInit(ctx: EmitContext, name: string, dtype: 'fp16' | 'bf16'): string {
  const shape = tensorOf(ctx, name).shape;
  const conversion = new Conversion([name], [2 * sizeOf(shape)], (d) => {
    const half = halfTensor(d.read(name, true), dtype === 'bf16', d.pool);
    return [new Uint8Array(half.buffer, half.byteOffset, half.byteLength)];
  });
  return ctx.b.initializer(name, dtype === 'fp16' ? DT.FLOAT16 : DT.BFLOAT16, shape, deferAll(conversion)[0]);
}

/** fp32 storage of a tensor (a view of the values read: nothing is copied). */
export function floatInit(ctx: EmitContext, name: string): string {
  const shape = tensorOf(ctx, name).shape;
  const [data] = deferAll(new Conversion([name], [4 * sizeOf(shape)], (d) => [floatBytes(d.read(name))], true));
  return ctx.b.initializer(name, DT.FLOAT, shape, data);
}

const bitsOf = (q: QuantIR): 4 | 8 => (q.dtype === 'int8' ? 8 : 4);

/** The weight W [in, out] as a float tensor value (for graphs that need W itself, e.g. tied heads). */
export function linearWeight(ctx: EmitContext, name: string): string {
  const t = tensorOf(ctx, name);
  const [inDim, outDim] = t.shape;
  const q = t.quant;
  const b = ctx.b;
  if (q.dtype === 'fp32') return floatInit(ctx, name);
  if (q.dtype === 'fp16' || q.dtype === 'bf16') return b.cast(halfInit(ctx, name, q.dtype), DT.FLOAT);
  return dequantized(ctx, name, quantLayout(outDim, inDim, q, bitsOf(q)));
}

/** `x · W (+ bias)` for the IR linear weight `name`. */
export function linear(ctx: EmitContext, x: string, name: string, bias?: string): string {
  const t = tensorOf(ctx, name);
  const q = t.quant;
  const [inDim, outDim] = t.shape;
  const actInt8 = ctx.ir.quantize.activations.dtype === 'int8';
  let y: string;
  if (q.dtype === 'int4' && usesMatMulNBits(q)) {
    y = matMulNBits(ctx, x, name, quantLayout(outDim, inDim, q, 4), actInt8 ? 4 : 0);
  } else if (q.dtype === 'int8' && actInt8 && q.granularity !== 'block') {
    y = matMulInteger(ctx, x, name, quantLayout(outDim, inDim, q, 8));
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
