/**
 * Safetensors interop — the dtype table. Every dtype the format defines is known (so a file that
 * holds one can be opened, validated and read as raw bytes); a subset converts to float32.
 * Source: huggingface/safetensors `safetensors/src/tensor.rs` `enum Dtype` (at 24b0b28, 2026-05):
 * the variants are declared in increasing alignment order, and the reference writer sorts tensors
 * by that order, descending, then by name — `ALIGNMENT_ORDER` below keeps the same order so moec
 * writes tensors where the Python `save_file` would.
 */

/** Dtypes in the reference's declaration order (increasing alignment). */
export const ALIGNMENT_ORDER = [
  'BOOL',
  'F4',
  'F6_E2M3',
  'F6_E3M2',
  'U8',
  'I8',
  'F8_E5M2',
  'F8_E4M3',
  'F8_E8M0',
  'F8_E4M3FNUZ',
  'F8_E5M2FNUZ',
  'I16',
  'U16',
  'F16',
  'BF16',
  'I32',
  'U32',
  'F32',
  'C64',
  'F64',
  'I64',
  'U64',
] as const;

export type Dtype = (typeof ALIGNMENT_ORDER)[number];

export interface DtypeInfo {
  /** Bits per element (the format allows sub-byte dtypes: F4, F6_*). */
  bits: number;
  /** Why moec does not convert this dtype to float32; absent when it does. */
  noFloat32?: string;
}

const NOT_SCALAR = 'it is a microscaling element type whose value depends on a separate scale';

export const DTYPES: Readonly<Record<Dtype, DtypeInfo>> = {
  BOOL: { bits: 8 },
  F4: { bits: 4, noFloat32: `${NOT_SCALAR} (gpt-oss stores MXFP4 as U8 blocks: use dequantizeMxfp4)` },
  F6_E2M3: { bits: 6, noFloat32: NOT_SCALAR },
  F6_E3M2: { bits: 6, noFloat32: NOT_SCALAR },
  U8: { bits: 8 },
  I8: { bits: 8 },
  F8_E5M2: { bits: 8 },
  F8_E4M3: { bits: 8 },
  F8_E8M0: { bits: 8, noFloat32: 'it is a power-of-two scale for MX formats, meaningful only with its blocks (dequantizeMxfp4 accepts it)' },
  F8_E4M3FNUZ: { bits: 8, noFloat32: 'the FNUZ variants (AMD) are not implemented; read raw bytes' },
  F8_E5M2FNUZ: { bits: 8, noFloat32: 'the FNUZ variants (AMD) are not implemented; read raw bytes' },
  I16: { bits: 16 },
  U16: { bits: 16 },
  F16: { bits: 16 },
  BF16: { bits: 16 },
  I32: { bits: 32 },
  U32: { bits: 32 },
  F32: { bits: 32 },
  C64: { bits: 64, noFloat32: 'it is complex (two float32 parts per element); read raw bytes' },
  F64: { bits: 64 },
  I64: { bits: 64 },
  U64: { bits: 64 },
};

export function isDtype(name: string): name is Dtype {
  return Object.prototype.hasOwnProperty.call(DTYPES, name);
}

/** Bytes per element; undefined for the sub-byte dtypes (F4, F6_*). */
export function dtypeBytes(dtype: Dtype): number | undefined {
  const bits = DTYPES[dtype].bits;
  return bits % 8 === 0 ? bits / 8 : undefined;
}

/**
 * Bytes of a tensor of `shape`: exact when below 2^53 (done in doubles, which are exact there);
 * `fraction` when sub-byte elements do not fill whole bytes; `huge` beyond 2^53 bytes.
 */
export function tensorBytes(dtype: Dtype, shape: readonly number[]): number | 'fraction' | 'huge' {
  const bits = DTYPES[dtype].bits;
  const elements = shape.includes(0) ? 0 : shape.reduce((a, d) => a * d, 1);
  if (!(elements * (bits / 8) <= Number.MAX_SAFE_INTEGER)) return 'huge';
  if (((elements % 8) * bits) % 8 !== 0) return 'fraction';
  return Math.floor(elements / 8) * bits + ((elements % 8) * bits) / 8;
}

/** Exact byte size of `elements` values (bigint: shapes in a hostile header can overflow a double). */
export function byteSizeOf(dtype: Dtype, elements: bigint): bigint | undefined {
  const bits = elements * BigInt(DTYPES[dtype].bits);
  return bits % 8n === 0n ? bits / 8n : undefined;
}
