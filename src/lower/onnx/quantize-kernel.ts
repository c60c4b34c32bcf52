/**
 * ONNX lowering — the quantization arithmetic of quantize.ts (round half to even, scales from
 * each group's min/max, clamped codes) as parallel kernels that read the float32 weight where
 * it lies and write the stored codes straight into their final, packed layout. No [out, in]
 * transpose and no Int32 code array is made, so quantizing a tensor needs its float32 values
 * plus the stored bytes (an eighth of them for int4).
 *
 * Terms (as quantize.ts): the matrix is N *vectors* of length K split into *blocks* of `block`
 * along K; a *group* is one block of one vector (or the whole tensor) and owns one scale and
 * zero point. A linear W [in, out] has its vectors down the columns (K = in, the memory rows);
 * an embedding [vocab, hidden] has them along the rows. Ranges [start, end) count memory rows.
 *
 * Self-contained (no imports; helpers are local closures): worker threads run these from their
 * source text (src/parallel/kernel-pool.ts). Chunks of rows write disjoint bytes when the caller keeps
 * chunk boundaries even (nibble pairs) and, for groups computed in the kernel, on block
 * boundaries — `quantize-tensor.ts` picks them.
 */
export interface QuantizeArgs {
  [key: string]: unknown;
  /** The float32 weight as stored: [K, N] (linear) or [N, K] (embedding), row-major. */
  src: Float32Array;
  n: number;
  k: number;
  /** True for an embedding (vectors along the rows of `src`). */
  vectorsAreRows: boolean;
  bits: number;
  symmetric: boolean;
  perTensor: boolean;
  block: number;
  blocks: number;
  /** One per group (N × blocks, or 1). Filled here unless `given`. */
  scales: Float32Array;
  zeroPoints: Uint8Array;
  /** Scales and zero points were computed before (groups that span chunks: tensor, linear channel). */
  given: boolean;
  /** Packed codes: 1 byte (bits 8) or a nibble, low first (bits 4), per code. */
  out: Uint8Array;
  /** Code (v, p) at v·stride + p (padding up to `stride` filled with the zero point); else at p·N + v. */
  vectorMajor: boolean;
  stride: number;
  /** Added to every stored code: 8 for int4 stored unsigned around 8, 128 for uint8-shifted int8. */
  add: number;
}

export function quantizeKernel(a: QuantizeArgs, start: number, end: number): void {
  const { src, n, k, bits, symmetric, perTensor, block, blocks, scales, zeroPoints, out, vectorMajor, stride, add } = a;
  const lo = symmetric ? (bits === 8 ? -127 : -7) : 0;
  const hi = symmetric ? (bits === 8 ? 127 : 7) : bits === 8 ? 255 : 15;
  const qmax = hi;
  const nibbles = bits === 4;
  // One group's scale and zero point from its range, exactly as quantize.ts `params`:
  // the float64 scale gives the zero point, the stored float32 scale divides the codes.
  const setGroup = (g: number, min: number, max: number): void => {
    let scale: number;
    let zp = 0;
    if (symmetric) {
      const amax = Math.max(Math.abs(min), Math.abs(max));
      scale = amax > 0 ? amax / qmax : 1;
    } else {
      const l = Math.min(min, 0);
      const h = Math.max(max, 0);
      scale = h > l ? (h - l) / qmax : 1;
      const y = -l / scale;
      let r = Math.round(y);
      if (r - y === 0.5 && r % 2 !== 0) r -= 1;
      zp = Math.min(qmax, Math.max(0, r));
    }
    scales[g] = scale;
    zeroPoints[g] = zp;
  };
  // Store code (v, p) of value x in group g.
  const put = (v: number, p: number, x: number, g: number): void => {
    const y = x / scales[g];
    // Round half to even as quantize.ts's roundHalfEven, without its float remainder (slow):
    // Math.round takes ties up, and r − y is exact (Sterbenz), so it is 0.5 only at a tie.
    let r = Math.round(y);
    if (r - y === 0.5 && (r & 1) !== 0) r -= 1;
    let q = r + zeroPoints[g];
    q = q < lo ? lo : q > hi ? hi : q;
    // NaN stores as 0, as quantize.ts's Int32Array does.
    const stored = (q | 0) + add;
    const d = vectorMajor ? v * stride + p : p * n + v;
    if (nibbles) out[d >> 1] |= (d & 1 ? (stored & 15) << 4 : stored & 15);
    else out[d] = stored;
  };
  const pad = (v: number, g: number): void => {
    for (let p = k; p < stride; p++) {
      const d = v * stride + p;
      const stored = zeroPoints[g] + add;
      if (nibbles) out[d >> 1] |= (d & 1 ? (stored & 15) << 4 : stored & 15);
      else out[d] = stored;
    }
  };
  if (a.vectorsAreRows) {
    for (let v = start; v < end; v++) {
      const row = v * k;
      for (let b = 0; b < blocks; b++) {
        const g = perTensor ? 0 : v * blocks + b;
        const p0 = perTensor ? 0 : b * block;
        const p1 = perTensor ? k : Math.min(p0 + block, k);
        if (!a.given) {
          let min = Infinity;
          let max = -Infinity;
          for (let p = p0; p < p1; p++) {
            const x = src[row + p];
            if (x < min) min = x;
            if (x > max) max = x;
          }
          setGroup(g, min, max);
        }
        for (let p = p0; p < p1; p++) put(v, p, src[row + p], g);
      }
      if (vectorMajor) pad(v, perTensor ? 0 : v * blocks + blocks - 1);
    }
    return;
  }
  if (a.given) {
    for (let p = start; p < end; p++) {
      const row = p * n;
      const pb = Math.floor(p / block);
      for (let v = 0; v < n; v++) put(v, p, src[row + v], perTensor ? 0 : v * blocks + pb);
    }
  } else {
    // A block of `block` input rows at a time, in tiles of columns whose ranges stay in cache
    // (a 32000-wide LM head's would not: 0.5 MB of float64 per pass).
    const TILE = 1024;
    const mins = new Float64Array(TILE);
    const maxs = new Float64Array(TILE);
    for (let p0 = start; p0 < end; p0 += block) {
      const p1 = Math.min(p0 + block, end);
      const b = Math.floor(p0 / block);
      for (let v0 = 0; v0 < n; v0 += TILE) {
        const v1 = Math.min(v0 + TILE, n);
        mins.fill(Infinity);
        maxs.fill(-Infinity);
        for (let p = p0; p < p1; p++) {
          const row = p * n;
          for (let v = v0; v < v1; v++) {
            const x = src[row + v];
            if (x < mins[v - v0]) mins[v - v0] = x;
            if (x > maxs[v - v0]) maxs[v - v0] = x;
          }
        }
        for (let v = v0; v < v1; v++) setGroup(v * blocks + b, mins[v - v0], maxs[v - v0]);
        for (let p = p0; p < p1; p++) {
          const row = p * n;
          for (let v = v0; v < v1; v++) put(v, p, src[row + v], v * blocks + b);
        }
      }
    }
  }
  if (vectorMajor && end === k) for (let v = 0; v < n; v++) pad(v, perTensor ? 0 : v * blocks + blocks - 1);
}

/** Per-chunk min and max of groups that span chunks (the tensor, or a linear's columns). */
export interface RangeArgs {
  [key: string]: unknown;
  src: Float32Array;
  n: number;
  k: number;
  vectorsAreRows: boolean;
  perTensor: boolean;
  /** Chunk c writes its G = (perTensor ? 1 : n) minima at c·2G and maxima at c·2G + G. */
  partial: Float64Array;
  first: number;
  step: number;
}

export function rangeKernel(a: RangeArgs, start: number, end: number): void {
  const { src, n, k, perTensor, partial } = a;
  const groups = perTensor ? 1 : n;
  const base = Math.floor((start - a.first) / a.step) * 2 * groups;
  for (let g = 0; g < groups; g++) {
    partial[base + g] = Infinity;
    partial[base + groups + g] = -Infinity;
  }
  const width = a.vectorsAreRows ? k : n;
  // Tiles of columns, so a wide row's minima and maxima stay in cache.
  const TILE = 2048;
  for (let c0 = 0; c0 < width; c0 += TILE) {
    const c1 = Math.min(c0 + TILE, width);
    for (let r = start; r < end; r++) {
      const row = r * width;
      for (let c = c0; c < c1; c++) {
        const x = src[row + c];
        // Only tensor granularity reaches here for embeddings (their channels are rows).
        const g = perTensor ? 0 : c;
        if (x < partial[base + g]) partial[base + g] = x;
        if (x > partial[base + groups + g]) partial[base + groups + g] = x;
      }
    }
  }
}

/** float32 → fp16 or bf16 bits, round to nearest even (quantize.ts toFloat16Bits / toBFloat16). */
export interface HalfArgs {
  [key: string]: unknown;
  src: Float32Array;
  out: Uint16Array;
  bf16: boolean;
}

export function halfKernel(a: HalfArgs, start: number, end: number): void {
  const bits = new Uint32Array(a.src.buffer, a.src.byteOffset, a.src.length);
  const out = a.out;
  if (a.bf16) {
    for (let i = start; i < end; i++) {
      const x = bits[i];
      const isNaN = (x & 0x7f800000) === 0x7f800000 && (x & 0x7fffff) !== 0;
      out[i] = isNaN ? (x >>> 16) | 0x40 : ((x + 0x7fff + ((x >>> 16) & 1)) >>> 16) & 0xffff;
    }
    return;
  }
  for (let i = start; i < end; i++) {
    const x = bits[i];
    const sign = (x >>> 16) & 0x8000;
    const exp = (x >>> 23) & 0xff;
    let mant = x & 0x7fffff;
    if (exp === 0xff) {
      out[i] = sign | 0x7c00 | (mant ? 0x200 : 0);
      continue;
    }
    let e = exp - 127 + 15;
    if (e >= 0x1f) {
      out[i] = sign | 0x7c00;
      continue;
    }
    if (e <= 0) {
      if (e < -10) {
        out[i] = sign;
        continue;
      }
      mant |= 0x800000;
      const shift = 14 - e;
      const half = 1 << (shift - 1);
      let m = mant >>> shift;
      const rest = mant & ((1 << shift) - 1);
      if (rest > half || (rest === half && m & 1)) m++;
      out[i] = sign | m;
      continue;
    }
    let m = mant >>> 13;
    const rest = mant & 0x1fff;
    if (rest > 0x1000 || (rest === 0x1000 && m & 1)) {
      m++;
      if (m === 0x400) {
        m = 0;
        e++;
        if (e >= 0x1f) {
          out[i] = sign | 0x7c00;
          continue;
        }
      }
    }
    out[i] = sign | (e << 10) | m;
  }
}
