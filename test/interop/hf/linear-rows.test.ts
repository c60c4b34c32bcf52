/**
 * keys/transforms.ts `linearRowsToIr`: transposing an HF [out, in] linear chunk by chunk of rows
 * (how the reader keeps a large tensor's read at one float32 copy) gives linearToIr's result,
 * with and without DeepSeek's rope row order, whatever the chunk size.
 */
import { describe, expect, it } from 'vitest';
import { bf16RowsToIr, linearRowsToIr, linearToIr, ropeRowOrder } from '../../../src/interop/hf/keys/transforms.js';

describe('linearRowsToIr', () => {
  const [out, inn] = [200, 131];
  const hf = Float32Array.from({ length: out * inn }, (_, i) => Math.sin(i) * 100);
  for (const order of [undefined, ropeRowOrder(out, 40, 24, 16)]) {
    it(`${order ? 'rope row order' : 'plain'}: equals linearToIr for chunks of 1, 7, 64 and all rows`, () => {
      const whole = linearToIr(hf, out, inn, order);
      const inverse = order ? new Int32Array(out) : undefined;
      if (order && inverse) for (let r = 0; r < out; r++) inverse[order[r]!] = r;
      for (const per of [1, 7, 64, out]) {
        const ir = new Float32Array(out * inn);
        for (let h0 = 0; h0 < out; h0 += per) {
          const n = Math.min(per, out - h0);
          linearRowsToIr(hf.subarray(h0 * inn, (h0 + n) * inn), h0, n, out, inn, ir, inverse);
        }
        expect(Buffer.from(ir.buffer).equals(Buffer.from(whole.buffer)), `chunks of ${per}`).toBe(true);
      }
    });

    it(`${order ? 'rope row order' : 'plain'}: BF16 rows widen and transpose to linearToIr of their float32 values`, () => {
      // NaN patterns left out: linearToIr moves values through JS numbers, where a NaN's payload
      // may be quieted (bf16RowsToIr keeps every bit, NaNs included).
      const bits = Uint16Array.from({ length: out * inn }, (_, i) => {
        const b = (i * 2654435761) >>> 17;
        return (b & 0x7f80) === 0x7f80 ? b & ~0x0080 : b;
      });
      const asF32 = new Float32Array(new Uint32Array(Array.from(bits, (b) => (b << 16) >>> 0)).buffer);
      const whole = linearToIr(asF32, out, inn, order);
      const inverse = order ? new Int32Array(out) : undefined;
      if (order && inverse) for (let r = 0; r < out; r++) inverse[order[r]!] = r;
      const ir = new Uint32Array(out * inn);
      for (let h0 = 0; h0 < out; h0 += 7) {
        const n = Math.min(7, out - h0);
        bf16RowsToIr(bits.subarray(h0 * inn, (h0 + n) * inn), h0, n, out, inn, ir, inverse);
      }
      expect(Buffer.from(ir.buffer).equals(Buffer.from(whole.buffer))).toBe(true);
    });
  }
});
