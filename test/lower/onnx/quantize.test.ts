/** Quantization math (src/lower/onnx/quantize.ts) against hand-computed values and properties. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dequantizeMatrix, packNibbles, quantizeMatrix, roundHalfEven, toBFloat16, toFloat16Bits } from '../../../src/lower/onnx/quantize.js';
import { halfToFloat } from './dequantized.js';

describe('quantize math', () => {
  it('rounds half to even', () => {
    expect([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4, -2.6].map(roundHalfEven)).toEqual([0, 2, 2, -0, -2, -2, 2, -3]);
  });

  it('converts to IEEE half like known bit patterns', () => {
    const cases: [number, number][] = [[1, 0x3c00], [-2, 0xc000], [65504, 0x7bff], [65520, 0x7c00], [2 ** -24, 0x0001], [2 ** -25, 0x0000], [0.1, 0x2e66], [1 + 2 ** -11, 0x3c00], [1 + 3 * 2 ** -11, 0x3c02], [Infinity, 0x7c00]];
    for (const [v, bits] of cases) expect(toFloat16Bits(v), String(v)).toBe(bits);
    expect(Number.isNaN(halfToFloat(toFloat16Bits(NaN)))).toBe(true);
  });

  it('half round trip is within half an ulp', () => {
    fc.assert(
      fc.property(fc.float({ min: -60000, max: 60000, noNaN: true }), (x) => {
        const back = halfToFloat(toFloat16Bits(x));
        const ulp = 2 ** (Math.max(Math.floor(Math.log2(Math.abs(x) || 1)), -14) - 10);
        return Math.abs(back - x) <= ulp / 2 + 1e-30;
      }),
    );
  });

  it('bfloat16 keeps the top 16 bits, rounding to nearest even', () => {
    expect(Array.from(toBFloat16(Float32Array.of(1, 1 + 2 ** -8, 1 + 3 * 2 ** -8, -3.5)))).toEqual([0x3f80, 0x3f80, 0x3f82, 0xc060]);
  });

  it('packs nibbles low first, two per byte, signed as two’s complement', () => {
    expect(Array.from(packNibbles([1, 2, 15, 0, -1, 7, 3]))).toEqual([0x21, 0x0f, 0x7f, 0x03]);
  });

  it('symmetric int8 per channel: max |w| maps to ±127 and the error is at most half a step', () => {
    const w = Float32Array.of(0.5, -1, 0.25, 2, 0, -0.1);
    const q = quantizeMatrix(w, 2, 3, { dtype: 'int8', granularity: 'channel', symmetric: true }, 8);
    expect(Array.from(q.scales)).toEqual([Math.fround(1 / 127), Math.fround(2 / 127)]);
    expect(Array.from(q.codes)).toEqual([64, -127, 32, 127, 0, -6]);
    const back = dequantizeMatrix(q);
    w.forEach((v, i) => expect(Math.abs(back[i] - v)).toBeLessThanOrEqual(q.scales[Math.floor(i / 3)] / 2 + 1e-7));
  });

  it('asymmetric int4 blocks represent 0 exactly and stay within half a step', () => {
    fc.assert(
      fc.property(fc.array(fc.float({ min: -4, max: 4, noNaN: true }), { minLength: 24, maxLength: 24 }), (values) => {
        const w = Float32Array.from(values);
        const q = quantizeMatrix(w, 2, 12, { dtype: 'int4', granularity: 'block', block: 8, symmetric: false }, 4);
        expect(q.blocks).toBe(2);
        const back = dequantizeMatrix(q);
        for (let i = 0; i < 24; i++) {
          const g = Math.floor(i / 12) * 2 + Math.floor((i % 12) / 8);
          expect(q.codes[i]).toBeGreaterThanOrEqual(0);
          expect(q.codes[i]).toBeLessThanOrEqual(15);
          expect(Math.abs(back[i] - w[i])).toBeLessThanOrEqual(q.scales[g] / 2 + 1e-5);
          if (w[i] === 0) expect(back[i]).toBe(0);
        }
      }),
    );
  });
});
