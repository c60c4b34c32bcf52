/**
 * Weights phase — the moec-init v1 normal generator (docs/weights.md) as a parallel kernel:
 * elements [start, end) of one tensor's stream, written into `out`. Philox4x32-10 block i gives
 * elements 4i … 4i+3 through Box–Muller, so any range can be generated on its own and ranges
 * generated on different threads join into exactly the values of one sequential pass.
 *
 * Self-contained (no imports, helpers nested) because worker threads run it from its source
 * text (src/parallel/kernel-pool.ts). The arithmetic is the one docs/weights.md pins: the
 * 16-bit-halves mulhi, the key schedule (k + round·W) mod 2^32, u(w) = (w + 0.5)/2^32 and
 * std·r·cos θ in float64 rounded once to float32. test/weights compares it with philox.ts.
 */
export interface NormalArgs {
  [key: string]: unknown;
  out: Float32Array;
  std: number;
  k0: number;
  k1: number;
}

export function fillNormalKernel(a: NormalArgs, start: number, end: number): void {
  const M0 = 0xd2511f53;
  const M1 = 0xcd9e8d57;
  const M0L = M0 & 0xffff;
  const M0H = M0 >>> 16;
  const M1L = M1 & 0xffff;
  const M1H = M1 >>> 16;
  const INV_2_32 = 1 / 4294967296;
  const TWO_PI = 2 * Math.PI;
  const out = a.out;
  const std = a.std;
  // Round keys, computed once per call instead of once per block.
  const keys = new Array<number>(20);
  for (let r = 0, k0 = a.k0, k1 = a.k1; r < 10; r++) {
    keys[2 * r] = k0;
    keys[2 * r + 1] = k1;
    k0 = (k0 + 0x9e3779b9) >>> 0;
    k1 = (k1 + 0xbb67ae85) >>> 0;
  }
  for (let i = start >>> 2; 4 * i < end; i++) {
    let c0 = i;
    let c1 = 0;
    let c2 = 0;
    let c3 = 0;
    for (let r = 0; r < 20; r += 2) {
      // High 32 bits of M·c from 16-bit halves (every partial sum < 2^53), written out for
      // both products: a nested helper would not survive being sent to a worker as text.
      const a0 = c0 & 0xffff;
      const b0 = c0 >>> 16;
      const x0 = M0L * b0;
      const y0 = M0H * a0;
      const hi0 = (M0H * b0 + (x0 >>> 16) + (y0 >>> 16) + ((((M0L * a0) >>> 16) + (x0 & 0xffff) + (y0 & 0xffff)) >>> 16)) >>> 0;
      const lo0 = Math.imul(M0, c0) >>> 0;
      const a1 = c2 & 0xffff;
      const b1 = c2 >>> 16;
      const x1 = M1L * b1;
      const y1 = M1H * a1;
      const hi1 = (M1H * b1 + (x1 >>> 16) + (y1 >>> 16) + ((((M1L * a1) >>> 16) + (x1 & 0xffff) + (y1 & 0xffff)) >>> 16)) >>> 0;
      const lo1 = Math.imul(M1, c2) >>> 0;
      c0 = (hi1 ^ c1 ^ keys[r]) >>> 0;
      c1 = lo1;
      c2 = (hi0 ^ c3 ^ keys[r + 1]) >>> 0;
      c3 = lo0;
    }
    const j = 4 * i;
    const r0 = Math.sqrt(-2 * Math.log((c0 + 0.5) * INV_2_32));
    const t0 = TWO_PI * ((c1 + 0.5) * INV_2_32);
    const r1 = Math.sqrt(-2 * Math.log((c2 + 0.5) * INV_2_32));
    const t1 = TWO_PI * ((c3 + 0.5) * INV_2_32);
    if (j >= start && j + 4 <= end) {
      out[j] = std * r0 * Math.cos(t0);
      out[j + 1] = std * r0 * Math.sin(t0);
      out[j + 2] = std * r1 * Math.cos(t1);
      out[j + 3] = std * r1 * Math.sin(t1);
    } else {
      // A block cut by the range: only its elements inside [start, end).
      if (j >= start && j < end) out[j] = std * r0 * Math.cos(t0);
      if (j + 1 >= start && j + 1 < end) out[j + 1] = std * r0 * Math.sin(t0);
      if (j + 2 >= start && j + 2 < end) out[j + 2] = std * r1 * Math.cos(t1);
      if (j + 3 >= start && j + 3 < end) out[j + 3] = std * r1 * Math.sin(t1);
    }
  }
}
