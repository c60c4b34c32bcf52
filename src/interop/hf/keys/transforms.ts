/**
 * HF bridge — the tensor transforms of the key table (key-row.ts), both directions, on float32
 * data in C order. Each export function is the exact inverse of its import function (they move
 * values, never compute them), so a tensor read back is bit for bit the tensor written.
 *
 * RoPE rows (DeepSeek): HF stores each rope block of q (every head's last `qk_rope_head_dim`
 * output rows) and of kv_a_proj_with_mqa (its last `qk_rope_head_dim` rows) as interleaved pairs
 * (x0, y0, x1, y1, …) and de-interleaves them at run time (transformers deepseek_v3
 * `apply_rotary_pos_emb_interleave`: `view(…, d/2, 2).transpose(4, 3)`; deepseek_v2 rotates the
 * pairs as complex numbers, the same function). moec's rotate-half wants (x0, x1, …, y0, y1, …),
 * so IR row j of a rope block is HF row `2j` for j < d/2 and `2(j − d/2) + 1` after.
 */
import type { StackedPart } from './key-row.js';

/** IR row r is HF row order[r] (identity outside the rope blocks). */
export function ropeRowOrder(rows: number, block: number, ropeOffset: number, ropeDim: number): Int32Array {
  const order = new Int32Array(rows);
  for (let r = 0; r < rows; r++) order[r] = r;
  const half = ropeDim / 2;
  for (let b = 0; b + block <= rows; b += block) {
    const base = b + ropeOffset;
    for (let j = 0; j < ropeDim; j++) order[base + j] = base + (j < half ? 2 * j : 2 * (j - half) + 1);
  }
  return order;
}

/** HF [out, in] → IR [in, out], rows taken in `order` when given. */
export function linearToIr(hf: Float32Array, out: number, inn: number, order?: Int32Array): Float32Array {
  const ir = new Float32Array(out * inn);
  for (let r = 0; r < out; r++) {
    const src = (order ? order[r]! : r) * inn;
    for (let c = 0; c < inn; c++) ir[c * out + r] = hf[src + c]!;
  }
  return ir;
}

/**
 * Rows [h0, h0 + n) of HF [out, in] (`rows`, n × in) into their places in IR [in, out] (`ir`):
 * linearToIr one chunk of rows at a time, so a large linear is transposed without a float32
 * copy of the whole HF tensor. `inverse[h]` is the IR row of HF row h (the inverse of `order`).
 * Tiles of 64 × 64 keep the strided writes in cache.
 */
export function linearRowsToIr(rows: Float32Array, h0: number, n: number, out: number, inn: number, ir: Float32Array, inverse?: Int32Array): void {
  for (let t0 = 0; t0 < n; t0 += 64) {
    const t1 = Math.min(t0 + 64, n);
    for (let c0 = 0; c0 < inn; c0 += 64) {
      const c1 = Math.min(c0 + 64, inn);
      for (let c = c0; c < c1; c++) {
        const base = c * out;
        for (let t = t0; t < t1; t++) ir[base + (inverse ? inverse[h0 + t]! : h0 + t)] = rows[t * inn + c]!;
      }
    }
  }
}

/**
 * linearRowsToIr from BF16 rows (`rows` as uint16 bits) into the float32 bits of `ir`: a BF16
 * value widens exactly to the float32 whose top 16 bits it is, so conversion and transpose are
 * one pass.
 */
export function bf16RowsToIr(rows: Uint16Array, h0: number, n: number, out: number, inn: number, ir: Uint32Array, inverse?: Int32Array): void {
  for (let t0 = 0; t0 < n; t0 += 64) {
    const t1 = Math.min(t0 + 64, n);
    for (let c0 = 0; c0 < inn; c0 += 64) {
      const c1 = Math.min(c0 + 64, inn);
      for (let c = c0; c < c1; c++) {
        const base = c * out;
        for (let t = t0; t < t1; t++) ir[base + (inverse ? inverse[h0 + t]! : h0 + t)] = rows[t * inn + c]! << 16;
      }
    }
  }
}

/** IR [in, out] → HF [out, in], the inverse of linearToIr. */
export function linearFromIr(ir: Float32Array, inn: number, out: number, order?: Int32Array): Float32Array {
  const hf = new Float32Array(out * inn);
  for (let r = 0; r < out; r++) {
    const dst = (order ? order[r]! : r) * inn;
    for (let c = 0; c < inn; c++) hf[dst + c] = ir[c * out + r]!;
  }
  return hf;
}

/** Shape [rows, cols] of the part of an expert slice [R, C]. */
export function partShape(part: StackedPart, R: number, C: number): [number, number] {
  if (part === 'first-half-rows' || part === 'second-half-rows') return [R / 2, C];
  if (part === 'even-cols' || part === 'odd-cols') return [R, C / 2];
  return [R, C];
}

/** Where element (r, c) of the part sits in the slice [R, C]. */
function partIndex(part: StackedPart, R: number, C: number, r: number, c: number): number {
  switch (part) {
    case 'first-half-rows':
      return r * C + c;
    case 'second-half-rows':
      return (r + R / 2) * C + c;
    case 'even-cols':
      return r * C + 2 * c;
    case 'odd-cols':
      return r * C + 2 * c + 1;
    default:
      return r * C + c;
  }
}

/** Expert slice [R, C] → the IR tensor (its part, transposed when asked). */
export function stackedToIr(slice: Float32Array, R: number, C: number, part: StackedPart, transpose: boolean): Float32Array {
  const [pr, pc] = partShape(part, R, C);
  const ir = new Float32Array(pr * pc);
  for (let r = 0; r < pr; r++) {
    for (let c = 0; c < pc; c++) ir[transpose ? c * pr + r : r * pc + c] = slice[partIndex(part, R, C, r, c)]!;
  }
  return ir;
}

/** Write the IR tensor into its part of an expert slice [R, C] (the inverse of stackedToIr). */
export function stackedFromIr(ir: Float32Array, slice: Float32Array, R: number, C: number, part: StackedPart, transpose: boolean): void {
  const [pr, pc] = partShape(part, R, C);
  for (let r = 0; r < pr; r++) {
    for (let c = 0; c < pc; c++) slice[partIndex(part, R, C, r, c)] = ir[transpose ? c * pr + r : r * pc + c]!;
  }
}

/** The expert slice shape [R, C] an IR tensor of `shape` comes from (1-D tensors: R = 1). */
export function sliceShapeFor(shape: readonly number[], part: StackedPart, transpose: boolean): [number, number] {
  const [a, b] = shape.length === 1 ? [1, shape[0]!] : [shape[0]!, shape[1]!];
  const [pr, pc] = transpose ? [b, a] : [a, b];
  if (part === 'first-half-rows' || part === 'second-half-rows') return [2 * pr, pc];
  if (part === 'even-cols' || part === 'odd-cols') return [pr, 2 * pc];
  return [pr, pc];
}
