/**
 * Safetensors interop — bit-level conversions between float32 and the narrow float formats,
 * done on integer bit patterns (never through float arithmetic) so results are exact and
 * NaN payloads survive where the reference keeps them.
 *
 * Decoding (to float32 bits) is exact for F16, BF16, F8_E4M3 (OCP "E4M3FN": bias 7, no
 * infinities, S.1111.111 is NaN, max 448) and F8_E5M2 (bias 15, IEEE-like: the top byte of an
 * F16). Encoding rounds to nearest, ties to even, as PyTorch's scalar casts do:
 * - F32→BF16: c10/util/BFloat16.h `round_to_nearest_even` (NaN → 0x7FC0).
 * - F32→F16: c10/util/Half.h `fp16_ieee_from_fp32_value` (overflow → ±inf, NaN → 0x7E00 | sign),
 *   written here as integer rounding rather than the library's float trick.
 * PyTorch's vectorised CPU paths may write other NaN bit patterns; values are the same.
 */

let f16Table: Uint32Array | undefined;

/** float32 bits of every F16 bit pattern (256 KiB, built on first use). */
export function f16ToF32Table(): Uint32Array {
  if (f16Table) return f16Table;
  const t = new Uint32Array(65536);
  for (let h = 0; h < 65536; h++) t[h] = f16BitsToF32Bits(h);
  return (f16Table = t);
}

export function f16BitsToF32Bits(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exp = (h >> 10) & 0x1f;
  let mant = h & 0x3ff;
  // NaN keeps its payload with the quiet bit set, as c10's fp16_ieee_to_fp32_value gives on x86/ARM.
  if (exp === 0x1f) return (sign | 0x7f800000 | (mant !== 0 ? 0x400000 : 0) | (mant << 13)) >>> 0;
  if (exp !== 0) return (sign | ((exp - 15 + 127) << 23) | (mant << 13)) >>> 0;
  if (mant === 0) return sign >>> 0;
  // Subnormal: normalise the mantissa into float32's larger exponent range.
  let e = -14;
  while ((mant & 0x400) === 0) {
    mant <<= 1;
    e--;
  }
  return (sign | ((e + 127) << 23) | ((mant & 0x3ff) << 13)) >>> 0;
}

let e4m3Table: Uint32Array | undefined;
let e5m2Table: Uint32Array | undefined;

/** float32 bits of every F8_E4M3 (E4M3FN) byte. */
export function e4m3ToF32Table(): Uint32Array {
  if (e4m3Table) return e4m3Table;
  const t = new Uint32Array(256);
  for (let b = 0; b < 256; b++) {
    const sign = (b & 0x80) << 24;
    const exp = (b >> 3) & 0xf;
    const mant = b & 7;
    let bits: number;
    if (exp === 0xf && mant === 7) bits = 0x7ff00000; // NaN (as c10's fp8e4m3fn_to_fp32_value writes it)
    else if (exp !== 0) bits = ((exp - 7 + 127) << 23) | (mant << 20);
    else if (mant === 0) bits = 0;
    else {
      // Subnormal: mant/8 · 2^-6.
      let m = mant;
      let e = -6;
      while ((m & 8) === 0) {
        m <<= 1;
        e--;
      }
      bits = ((e + 127) << 23) | ((m & 7) << 20);
    }
    t[b] = (sign | bits) >>> 0;
  }
  return (e4m3Table = t);
}

/** float32 bits of every F8_E5M2 byte: an E5M2 byte is the high byte of an F16. */
export function e5m2ToF32Table(): Uint32Array {
  if (e5m2Table) return e5m2Table;
  const t = new Uint32Array(256);
  for (let b = 0; b < 256; b++) t[b] = f16BitsToF32Bits(b << 8);
  return (e5m2Table = t);
}

/** F32 bits → BF16 bits, round to nearest even; NaN → 0x7FC0 (c10 `round_to_nearest_even`). */
export function f32BitsToBf16Bits(u: number): number {
  if ((u & 0x7f800000) === 0x7f800000 && (u & 0x7fffff) !== 0) return 0x7fc0;
  const roundingBias = ((u >>> 16) & 1) + 0x7fff;
  return (((u >>> 0) + roundingBias) >>> 16) & 0xffff;
}

/** F32 bits → F16 bits, round to nearest even, overflow to ±inf, NaN → 0x7E00 | sign. */
export function f32BitsToF16Bits(u: number): number {
  const sign = (u >>> 16) & 0x8000;
  const exp = (u >>> 23) & 0xff;
  const mant = u & 0x7fffff;
  if (exp === 0xff) return sign | (mant !== 0 ? 0x7e00 : 0x7c00);
  const e = exp - 127 + 15; // the F16 biased exponent
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    // F16 subnormal (or zero): value = m16 · 2^-24.
    if (e < -10) return sign; // below 2^-25: rounds to zero
    const m = mant | 0x800000;
    const shift = 14 - e;
    let m16 = m >>> shift;
    const rem = m & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && (m16 & 1) !== 0)) m16++; // a carry into 0x400 is the smallest normal
    return sign | m16;
  }
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (h & 1) !== 0)) h++; // a carry may reach the exponent, up to inf
  return sign | h;
}

/** Nearest float32 to an integer given as a bigint (exact round-to-nearest-even, no double rounding). */
export function bigintToF32(v: bigint): number {
  const neg = v < 0n;
  let n = neg ? -v : v;
  const bits = n.toString(2).length;
  if (bits > 24) {
    const shift = BigInt(bits - 24);
    const rem = n & ((1n << shift) - 1n);
    const half = 1n << (shift - 1n);
    let mant = n >> shift;
    if (rem > half || (rem === half && (mant & 1n) === 1n)) mant++;
    n = mant << shift;
  }
  const x = Number(n); // exact: at most 25 significant bits
  return neg ? -x : x;
}
