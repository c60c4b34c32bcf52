/**
 * Safetensors interop — element conversion between the file's little-endian bytes and float32,
 * one chunk at a time (the reader and writer stream large tensors through fixed-size chunks).
 * Integers convert to the nearest float32 (exact up to 2^24), F64 rounds to nearest even.
 * moec runs on little-endian hosts only (every platform Node supports today), so typed-array
 * views read the file's bytes directly.
 */
import { DTYPES, type Dtype } from './dtypes.js';
import { bigintToF32, e4m3ToF32Table, e5m2ToF32Table, f16ToF32Table, f32BitsToBf16Bits, f32BitsToF16Bits } from './float-bits.js';

if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
  throw new Error('moec reads and writes safetensors on little-endian hosts only');
}

/** Whether `decodeToFloat32` handles the dtype (see DTYPES[d].noFloat32 for why not). */
export function convertsToFloat32(dtype: Dtype): boolean {
  return DTYPES[dtype].noFloat32 === undefined;
}

/**
 * Decode `count` elements of `dtype` from `src` into `dst[at … at+count)`. `src.byteOffset` must
 * be a multiple of the element size (the reader's chunks are 8-aligned).
 */
export function decodeToFloat32(dtype: Dtype, src: Uint8Array, count: number, dst: Float32Array, at: number): void {
  const buf = src.buffer;
  const off = src.byteOffset;
  const out = dst.subarray(at, at + count);
  const bits = new Uint32Array(out.buffer, out.byteOffset, count);
  switch (dtype) {
    case 'F32':
      bits.set(new Uint32Array(buf, off, count));
      return;
    case 'BF16': {
      const h = new Uint16Array(buf, off, count);
      for (let i = 0; i < count; i++) bits[i] = h[i]! << 16;
      return;
    }
    case 'F16':
      return lookUp(new Uint16Array(buf, off, count), f16ToF32Table(), bits);
    case 'F8_E4M3':
      return lookUp(new Uint8Array(buf, off, count), e4m3ToF32Table(), bits);
    case 'F8_E5M2':
      return lookUp(new Uint8Array(buf, off, count), e5m2ToF32Table(), bits);
    case 'F64':
      return out.set(new Float64Array(buf, off, count));
    case 'BOOL':
    case 'U8':
      return out.set(new Uint8Array(buf, off, count));
    case 'I8':
      return out.set(new Int8Array(buf, off, count));
    case 'I16':
      return out.set(new Int16Array(buf, off, count));
    case 'U16':
      return out.set(new Uint16Array(buf, off, count));
    case 'I32':
      return out.set(new Int32Array(buf, off, count));
    case 'U32':
      return out.set(new Uint32Array(buf, off, count));
    case 'I64':
      return fromBigInts(new BigInt64Array(buf, off, count), out);
    case 'U64':
      return fromBigInts(new BigUint64Array(buf, off, count), out);
    default:
      throw new Error(`decodeToFloat32: ${dtype} has no float32 conversion (caller must check convertsToFloat32)`);
  }
}

function lookUp(src: Uint8Array | Uint16Array, table: Uint32Array, bits: Uint32Array): void {
  for (let i = 0; i < src.length; i++) bits[i] = table[src[i]!]!;
}

function fromBigInts(src: BigInt64Array | BigUint64Array, out: Float32Array): void {
  for (let i = 0; i < src.length; i++) {
    const v = src[i]!;
    // Below 2^53 the double is exact, so one rounding to float32 is correct.
    out[i] = v <= 9007199254740991n && v >= -9007199254740991n ? Number(v) : bigintToF32(v);
  }
}

/** Float dtypes the writer can produce from float32 values. */
export const FLOAT32_ENCODABLE = ['F32', 'F64', 'F16', 'BF16'] as const;
export type Float32Encodable = (typeof FLOAT32_ENCODABLE)[number];

export function isFloat32Encodable(dtype: Dtype): dtype is Float32Encodable {
  return (FLOAT32_ENCODABLE as readonly string[]).includes(dtype);
}

/** `src` as little-endian bytes of `dtype` (F32 is a view, no copy). */
export function encodeFloat32(dtype: Float32Encodable, src: Float32Array): Uint8Array {
  const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
  switch (dtype) {
    case 'F32':
      return new Uint8Array(src.buffer, src.byteOffset, src.byteLength);
    case 'F64': {
      const out = new Float64Array(src.length);
      out.set(src);
      return new Uint8Array(out.buffer);
    }
    case 'BF16':
    case 'F16': {
      const out = new Uint16Array(src.length);
      const round = dtype === 'BF16' ? f32BitsToBf16Bits : f32BitsToF16Bits;
      for (let i = 0; i < src.length; i++) out[i] = round(bits[i]!);
      return new Uint8Array(out.buffer);
    }
  }
}
