/**
 * ONNX lowering — weight quantization math (no graph here; linear.ts and embedding.ts emit the
 * nodes). A matrix is quantized as N vectors of length K, each split into blocks of `block`
 * along K (the reduction axis of a linear, the hidden axis of an embedding row):
 *   tensor   → one scale for the whole matrix;
 *   channel  → one scale per vector (a linear's output column, an embedding's row);
 *   block    → one scale per block of `block` values along K.
 * Symmetric: zero point 0 (int8: codes −127…127; int4: codes −7…7, stored unsigned +8 where the
 * op wants unsigned). Asymmetric: unsigned codes with a zero point chosen so 0.0 is exact.
 * Rounding is round-half-to-even, like ONNX QuantizeLinear.
 */
import type { QuantIR } from '../../ir/types.js';
import { f32BitsToF16Bits } from '../../interop/safetensors/float-bits.js';

export interface Quantized {
  /** N × K codes, row-major; signed (symmetric) or unsigned (asymmetric), not packed. */
  codes: Int32Array;
  n: number;
  k: number;
  /** Blocks per vector (1 for channel and tensor). */
  blocks: number;
  block: number;
  /** N × blocks scales (one value for tensor granularity). */
  scales: Float32Array;
  /** N × blocks zero points (one for tensor); all 0 when symmetric. */
  zeroPoints: Int32Array;
  bits: 4 | 8;
  symmetric: boolean;
  perTensor: boolean;
}

export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Transpose a row-major [rows, cols] matrix. */
export function transpose2d(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c];
  return out;
}

/** One group's scale and zero point from its value range. */
export function params(min: number, max: number, bits: 4 | 8, symmetric: boolean): { scale: number; zp: number } {
  if (symmetric) {
    const qmax = bits === 8 ? 127 : 7;
    const amax = Math.max(Math.abs(min), Math.abs(max));
    return { scale: amax > 0 ? amax / qmax : 1, zp: 0 };
  }
  const qmax = bits === 8 ? 255 : 15;
  const lo = Math.min(min, 0);
  const hi = Math.max(max, 0);
  const scale = hi > lo ? (hi - lo) / qmax : 1;
  return { scale, zp: Math.min(qmax, Math.max(0, roundHalfEven(-lo / scale))) };
}

/**
 * Quantize `data` viewed as [n, k] (row-major) by `quant`'s granularity. `block` is used for
 * 'block' granularity (default 32); channel means one group per row of the view.
 */
export function quantizeMatrix(data: Float32Array, n: number, k: number, quant: QuantIR, bits: 4 | 8): Quantized {
  const symmetric = quant.symmetric;
  const perTensor = quant.granularity === 'tensor';
  const block = quant.granularity === 'block' ? Math.min(quant.block ?? 32, k) : k;
  const blocks = perTensor ? 1 : Math.ceil(k / block);
  const groups = perTensor ? 1 : n * blocks;
  const mins = new Float64Array(groups).fill(Infinity);
  const maxs = new Float64Array(groups).fill(-Infinity);
  const groupOf = (r: number, c: number): number => (perTensor ? 0 : r * blocks + Math.floor(c / block));
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < k; c++) {
      const g = groupOf(r, c);
      const v = data[r * k + c];
      if (v < mins[g]) mins[g] = v;
      if (v > maxs[g]) maxs[g] = v;
    }
  }
  const scales = new Float32Array(groups);
  const zeroPoints = new Int32Array(groups);
  for (let g = 0; g < groups; g++) {
    const p = params(mins[g], maxs[g], bits, symmetric);
    scales[g] = p.scale;
    zeroPoints[g] = p.zp;
  }
  const [lo, hi] = symmetric ? (bits === 8 ? [-127, 127] : [-7, 7]) : [0, bits === 8 ? 255 : 15];
  const codes = new Int32Array(n * k);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < k; c++) {
      const g = groupOf(r, c);
      // Divide by the float32 scale that is stored, so dequantization matches exactly.
      const q = roundHalfEven(data[r * k + c] / scales[g]) + zeroPoints[g];
      codes[r * k + c] = Math.min(hi, Math.max(lo, q));
    }
  }
  return { codes, n, k, blocks, block, scales, zeroPoints, bits, symmetric, perTensor };
}

/** Dequantize back to [n, k] floats (for tests and error reports). */
export function dequantizeMatrix(q: Quantized): Float32Array {
  const out = new Float32Array(q.n * q.k);
  const perTensor = q.perTensor;
  for (let r = 0; r < q.n; r++) {
    for (let c = 0; c < q.k; c++) {
      const g = perTensor ? 0 : r * q.blocks + Math.floor(c / q.block);
      out[r * q.k + c] = (q.codes[r * q.k + c] - q.zeroPoints[g]) * q.scales[g];
    }
  }
  return out;
}

/**
 * Pack 4-bit values two per byte, low nibble first (ONNX INT4/UINT4 and MatMulNBits agree).
 * Signed values are stored in two's complement nibbles; an odd tail is padded with 0.
 */
export function packNibbles(values: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(Math.ceil(values.length / 2));
  for (let i = 0; i < values.length; i++) {
    const nib = values[i] & 0x0f;
    out[i >> 1] |= i & 1 ? nib << 4 : nib;
  }
  return out;
}

/**
 * IEEE half-precision bits of a float32 value, round-to-nearest-even (overflow → ±inf): the
 * safetensors converter's function (one implementation; quantize-kernel.ts halfKernel repeats
 * it only because worker threads run kernels from their source text).
 */
export function toFloat16Bits(value: number): number {
  return f32BitsToF16Bits(new Uint32Array(Float32Array.of(value).buffer)[0]!);
}

export function toFloat16(data: Float32Array): Uint16Array {
  const out = new Uint16Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = toFloat16Bits(data[i]);
  return out;
}

/** bfloat16 bits (upper half of float32, round-to-nearest-even). */
export function toBFloat16(data: Float32Array): Uint16Array {
  const bits = new Uint32Array(Float32Array.from(data).buffer);
  const out = new Uint16Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const x = bits[i];
    const isNaN = (x & 0x7f800000) === 0x7f800000 && (x & 0x7fffff) !== 0;
    out[i] = isNaN ? (x >>> 16) | 0x40 : ((x + 0x7fff + ((x >>> 16) & 1)) >>> 16) & 0xffff;
  }
  return out;
}
