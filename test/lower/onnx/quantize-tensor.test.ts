/**
 * The quantization kernels (quantize-tensor.ts / quantize-kernel.ts) against quantize.ts's
 * quantizeMatrix and the packing the emitter did before the kernels (codes transposed back,
 * padded, shifted, nibble-packed): identical bytes, scales and zero points for every storage
 * layout, on one thread and on a pool of threads (tensors above the parallel threshold).
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { QuantIR } from '../../../src/ir/types.js';
import { KernelPool, sharedFloat32 } from '../../../src/parallel/kernel-pool.js';
import { packNibbles, quantizeMatrix, toBFloat16, toFloat16, transpose2d, type Quantized } from '../../../src/lower/onnx/quantize.js';
import { halfTensor, PARALLEL_MIN, quantizeTensor, quantLayout, type Placement } from '../../../src/lower/onnx/quantize-tensor.js';

const pool = new KernelPool(2);
afterAll(() => pool.close());

/**
 * Deterministic values with outliers and exact zeros, in shared memory (so the pool may use it);
 * the first 200,000 are quarter-integers in [-3.5, 3.5], whose codes land on exact ties (x.5)
 * under scales of 0.5, so rounding half to even is exercised.
 */
function values(n: number, seed: number): Float32Array {
  const out = sharedFloat32(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    const u = x / 2 ** 32 - 0.5;
    out[i] = i < 200_000 ? Math.round(u * 28) / 4 : i % 97 === 0 ? 0 : i % 1009 === 0 ? 40 * u : u * (1 + (i % 7));
  }
  return out;
}

const bytes = (a: ArrayBufferView) => Buffer.from(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));

type Reference = { codes: Uint8Array; q: Quantized };

/** The emitter's packing before the kernels, from quantizeMatrix's codes. */
function referenceLinear(w: Float32Array, K: number, N: number, quant: QuantIR, bits: 4 | 8, how: 'nbits' | 'dq' | 'mmi'): Reference {
  const q = quantizeMatrix(transpose2d(w, K, N), N, K, quant, bits);
  if (how === 'nbits') {
    const padded = q.blocks * q.block;
    const codes = new Int32Array(N * padded);
    for (let r = 0; r < N; r++)
      for (let c = 0; c < padded; c++) {
        const g = r * q.blocks + Math.floor(c / q.block);
        codes[r * padded + c] = c < K ? q.codes[r * K + c] + (q.symmetric ? 8 : 0) : q.symmetric ? 8 : q.zeroPoints[g];
      }
    return { codes: packNibbles(codes), q };
  }
  const shift = how === 'mmi' && q.symmetric ? 128 : 0;
  const data = new Int32Array(K * N);
  for (let o = 0; o < N; o++) for (let i = 0; i < K; i++) data[i * N + o] = q.codes[o * K + i] + shift;
  if (bits === 4) return { codes: packNibbles(data), q };
  return { codes: q.symmetric && how === 'dq' ? new Uint8Array(Int8Array.from(data).buffer) : Uint8Array.from(data), q };
}

function referenceEmbedding(w: Float32Array, V: number, H: number, quant: QuantIR, bits: 4 | 8): Reference {
  const q = quantizeMatrix(w, V, H, quant, bits);
  const width = q.blocks * q.block;
  const codes = new Int32Array(V * width);
  for (let r = 0; r < V; r++)
    for (let c = 0; c < width; c++) {
      const g = q.perTensor ? 0 : r * q.blocks + Math.floor(c / q.block);
      const code = c < H ? q.codes[r * H + c] : q.zeroPoints[g];
      codes[r * width + c] = bits === 4 && q.symmetric ? code + 8 : code;
    }
  if (bits === 4) return { codes: packNibbles(codes), q };
  return { codes: q.symmetric ? new Uint8Array(Int8Array.from(codes).buffer) : Uint8Array.from(codes), q };
}

const Q = (dtype: 'int8' | 'int4', granularity: QuantIR['granularity'], symmetric: boolean, block?: number): QuantIR => ({ dtype, granularity, symmetric, ...(block ? { block } : {}) });

// K × N = 1100 × 1000 (≥ PARALLEL_MIN values); K is no multiple of the blocks, so rows are padded.
const K = 1100;
const N = 1000;

const linearCases: [string, QuantIR, 'nbits' | 'dq' | 'mmi'][] = [
  ['int4 block 32 sym, MatMulNBits', Q('int4', 'block', true, 32), 'nbits'],
  ['int4 block 64 asym, MatMulNBits', Q('int4', 'block', false, 64), 'nbits'],
  ['int4 block 24 sym, DequantizeLinear', Q('int4', 'block', true, 24), 'dq'],
  ['int4 block 7 asym (odd block)', Q('int4', 'block', false, 7), 'dq'],
  ['int4 channel asym', Q('int4', 'channel', false), 'dq'],
  ['int4 tensor sym', Q('int4', 'tensor', true), 'dq'],
  ['int8 channel sym', Q('int8', 'channel', true), 'dq'],
  ['int8 tensor asym', Q('int8', 'tensor', false), 'dq'],
  ['int8 block 32 asym', Q('int8', 'block', false, 32), 'dq'],
  ['int8 channel sym, MatMulInteger (shifted)', Q('int8', 'channel', true), 'mmi'],
  ['int8 tensor asym, MatMulInteger', Q('int8', 'tensor', false), 'mmi'],
];

describe('quantizeTensor: linear weights [in, out]', () => {
  const w = values(K * N, 1);
  expect(w.length).toBeGreaterThanOrEqual(PARALLEL_MIN);
  for (const [name, quant, how] of linearCases) {
    it(name, () => {
      const bits = quant.dtype === 'int8' ? 8 : 4;
      const L = quantLayout(N, K, quant, bits);
      const place: Placement =
        how === 'nbits'
          ? { vectorsAreRows: false, vectorMajor: true, stride: L.blocks * L.block, add: quant.symmetric ? 8 : 0 }
          : { vectorsAreRows: false, vectorMajor: false, stride: 0, add: how === 'mmi' && quant.symmetric ? 128 : 0 };
      const ref = referenceLinear(w, K, N, quant, bits, how);
      for (const p of [undefined, pool]) {
        const got = quantizeTensor(w, L, place, p);
        expect(bytes(got.codes).equals(bytes(ref.codes)), `codes, ${p ? 'pool' : 'one thread'}`).toBe(true);
        expect(bytes(got.scales).equals(bytes(ref.q.scales)), 'scales').toBe(true);
        expect(Array.from(got.zeroPoints)).toEqual(Array.from(ref.q.zeroPoints));
      }
    });
  }
});

describe('quantizeTensor: embedding rows [vocab, hidden]', () => {
  const [V, H] = [1000, 1100];
  const w = values(V * H, 2);
  for (const [name, quant] of [
    ['int4 block 32 sym (padded rows)', Q('int4', 'block', true, 32)],
    ['int4 tensor asym', Q('int4', 'tensor', false)],
    ['int8 channel asym', Q('int8', 'channel', false)],
    ['int8 block 64 sym', Q('int8', 'block', true, 64)],
  ] as [string, QuantIR][]) {
    it(name, () => {
      const bits = quant.dtype === 'int8' ? 8 : 4;
      const L = quantLayout(V, H, quant, bits);
      const ref = referenceEmbedding(w, V, H, quant, bits);
      for (const p of [undefined, pool]) {
        const got = quantizeTensor(w, L, { vectorsAreRows: true, vectorMajor: true, stride: L.blocks * L.block, add: bits === 4 && quant.symmetric ? 8 : 0 }, p);
        expect(bytes(got.codes).equals(bytes(ref.codes)), `codes, ${p ? 'pool' : 'one thread'}`).toBe(true);
        expect(bytes(got.scales).equals(bytes(ref.q.scales))).toBe(true);
        expect(Array.from(got.zeroPoints)).toEqual(Array.from(ref.q.zeroPoints));
      }
    });
  }
});

describe('halfTensor', () => {
  it('fp16 and bf16 bits equal toFloat16 / toBFloat16, on one thread and on the pool', () => {
    const w = values(PARALLEL_MIN + 3, 3);
    w.set([65504, 65520, 2 ** -24, 2 ** -25, 1 + 2 ** -11, -Infinity, NaN, 1e-40], 10);
    for (const p of [undefined, pool]) {
      expect(bytes(halfTensor(w, false, p)).equals(bytes(toFloat16(w)))).toBe(true);
      expect(bytes(halfTensor(w, true, p)).equals(bytes(toBFloat16(w)))).toBe(true);
    }
  });
});
