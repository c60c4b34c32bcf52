/** Weights as the quantized ONNX model sees them: quantized then dequantized in TypeScript. */
import type { ModelIR } from '../../../src/ir/types.js';
import { dequantizeMatrix, quantizeMatrix, transpose2d } from '../../../src/lower/onnx/quantize.js';

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

const f16 = new Float32Array(1);
function roundFp16(x: number): number {
  // Independent of quantize.ts's bit twiddling: Math.fround to half via scaling the ulp.
  if (x === 0 || !Number.isFinite(x)) return x;
  const e = Math.max(Math.floor(Math.log2(Math.abs(x))), -14);
  const ulp = 2 ** (e - 10);
  const q = x / ulp;
  const r = Math.round(q);
  const even = Math.abs(q % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
  f16[0] = even * ulp;
  return f16[0];
}

function roundBf16(x: number): number {
  f16[0] = x;
  const bits = new Uint32Array(f16.buffer)[0];
  const rounded = (bits + 0x7fff + ((bits >>> 16) & 1)) & 0xffff0000;
  return new Float32Array(new Uint32Array([rounded]).buffer)[0];
}

export function dequantizedWeights(ir: ModelIR, weights: Map<string, Float32Array>): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const t of ir.tensors) {
    const w = weights.get(t.name)!;
    const q = t.quant;
    if (t.shape.length < 2 || q.dtype === 'fp32') out.set(t.name, w);
    else if (q.dtype === 'fp16') out.set(t.name, w.map(roundFp16));
    else if (q.dtype === 'bf16') out.set(t.name, w.map(roundBf16));
    else {
      const bits = q.dtype === 'int8' ? 8 : 4;
      const [rows, cols] = t.shape;
      if (t.name === 'embed_tokens.weight') out.set(t.name, dequantizeMatrix(quantizeMatrix(w, rows, cols, q, bits)));
      else out.set(t.name, transpose2d(dequantizeMatrix(quantizeMatrix(transpose2d(w, rows, cols), cols, rows, q, bits)), cols, rows));
    }
  }
  return out;
}

export { halfToFloat };
