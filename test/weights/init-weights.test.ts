import { describe, expect, it } from 'vitest';
import { philox4x32 } from '../../src/weights/philox.js';
import { fillNormal, initTensor, initWeights, streamKey } from '../../src/weights/init-weights.js';
import { fillNormalKernel } from '../../src/weights/normal-kernel.js';
import { KernelPool, sharedFloat32 } from '../../src/parallel/kernel-pool.js';
import type { TensorIR } from '../../src/ir/types.js';

const FP32 = { dtype: 'fp32', granularity: 'tensor', symmetric: true } as const;
const t = (name: string, shape: number[], init: TensorIR['init']): TensorIR => ({
  name, shape, group: 'dense', quant: FP32, init, trainable: true,
});
const hex = (w: Uint32Array) => Array.from(w, (x) => x.toString(16).padStart(8, '0')).join(' ');

describe('philox4x32-10', () => {
  it('matches the Random123 known-answer vectors', () => {
    const w = new Uint32Array(4);
    philox4x32(0, 0, 0, 0, 0, 0, w);
    expect(hex(w)).toBe('6627e8d5 e169c58d bc57ac4c 9b00dbd8');
    const f = 0xffffffff;
    philox4x32(f, f, f, f, f, f, w);
    expect(hex(w)).toBe('408f276d 41c83b0e a20bc7c6 6d5451fd');
    philox4x32(0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0, w);
    expect(hex(w)).toBe('d16cfe09 94fdcceb 5001e420 24126ea1');
  });
});

describe('initWeights', () => {
  it('reproduces the documented stream (values cross-checked with an independent Python implementation)', () => {
    expect(streamKey(1234, 'embed_tokens.weight')).toEqual([770986, 3531850245]);
    const a = new Float32Array(6);
    fillNormal(a, 0.02, 1234, 'embed_tokens.weight');
    expect(Array.from(a)).toEqual(
      [-0.013412111, 0.0059956284, -0.003959561, -0.0066091344, 0.009350336, 0.022538695].map(Math.fround),
    );
  });

  it('fills ones, zeros and normals with the requested std', () => {
    const w = initWeights({ tensors: [t('a', [300, 200], { kind: 'normal', std: 0.5 }), t('n', [7], { kind: 'ones' }), t('b', [5], { kind: 'zeros' })] }, 7);
    expect(Array.from(w.keys())).toEqual(['a', 'n', 'b']);
    expect(Array.from(w.get('n')!)).toEqual([1, 1, 1, 1, 1, 1, 1]);
    expect(Array.from(w.get('b')!)).toEqual([0, 0, 0, 0, 0]);
    const a = w.get('a')!;
    expect(a.length).toBe(60000);
    let s = 0, s2 = 0, s4 = 0;
    for (const v of a) { s += v; s2 += v * v; s4 += v ** 4; }
    const mean = s / a.length, variance = s2 / a.length;
    // 60k samples: standard error of the mean 0.002, of the std ≈ 0.0015; kurtosis 3 for a normal.
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(Math.abs(Math.sqrt(variance) - 0.5)).toBeLessThan(0.01);
    expect(Math.abs(s4 / a.length / variance ** 2 - 3)).toBeLessThan(0.1);
  });

  it('is deterministic, depends on the seed, and gives each tensor its own stream', () => {
    const tensors = [t('x', [33], { kind: 'normal', std: 1 }), t('y', [33], { kind: 'normal', std: 1 })];
    const a = initWeights({ tensors }, 1);
    const b = initWeights({ tensors }, 1);
    expect(a.get('x')).toEqual(b.get('x'));
    expect(a.get('x')).not.toEqual(a.get('y'));
    expect(initWeights({ tensors }, 2).get('x')).not.toEqual(a.get('x'));
    // Adding a tensor in front changes nothing else.
    const c = initWeights({ tensors: [t('new', [1000], { kind: 'normal', std: 1 }), ...tensors] }, 1);
    expect(c.get('x')).toEqual(a.get('x'));
    expect(c.get('y')).toEqual(a.get('y'));
  });

  it('a prefix of a longer tensor equals the shorter tensor of the same name (odd lengths too)', () => {
    const long = new Float32Array(11), short = new Float32Array(5);
    fillNormal(long, 1, 3, 'w');
    fillNormal(short, 1, 3, 'w');
    expect(Array.from(short)).toEqual(Array.from(long.subarray(0, 5)));
  });

  it('refuses a seed that is not a safe integer', () => {
    expect(() => initWeights({ tensors: [] }, 1.5)).toThrow(RangeError);
  });
});

/** docs/weights.md's algorithm written out plainly over philox.ts: the reference for the kernel. */
function referenceNormal(n: number, std: number, seed: number, name: string): Float32Array {
  const [k0, k1] = streamKey(seed, name);
  const out = new Float32Array(n);
  const w = new Uint32Array(4);
  const u = (x: number) => (x + 0.5) / 4294967296;
  for (let i = 0; 4 * i < n; i++) {
    philox4x32(i, 0, 0, 0, k0, k1, w);
    const r0 = Math.sqrt(-2 * Math.log(u(w[0]))), t0 = 2 * Math.PI * u(w[1]);
    const r1 = Math.sqrt(-2 * Math.log(u(w[2]))), t1 = 2 * Math.PI * u(w[3]);
    const z = [std * r0 * Math.cos(t0), std * r0 * Math.sin(t0), std * r1 * Math.cos(t1), std * r1 * Math.sin(t1)];
    for (let j = 0; j < 4 && 4 * i + j < n; j++) out[4 * i + j] = z[j];
  }
  return out;
}

describe('the generator kernel (any range, any thread)', () => {
  it('equals the documented algorithm, whole and in ranges that cut Philox blocks', () => {
    const ref = referenceNormal(10_007, 0.02, 1234, 'layers.0.moe.experts.3.up_proj.weight');
    const [k0, k1] = streamKey(1234, 'layers.0.moe.experts.3.up_proj.weight');
    const whole = new Float32Array(10_007);
    fillNormalKernel({ out: whole, std: 0.02, k0, k1 }, 0, whole.length);
    expect(Buffer.compare(Buffer.from(whole.buffer), Buffer.from(ref.buffer))).toBe(0);
    const pieces = new Float32Array(10_007);
    for (const [a, b] of [[0, 3], [3, 9], [9, 4001], [4001, 4002], [4002, 10_007]]) fillNormalKernel({ out: pieces, std: 0.02, k0, k1 }, a, b);
    expect(Buffer.compare(Buffer.from(pieces.buffer), Buffer.from(ref.buffer))).toBe(0);
  });

  it('generated on several threads, a tensor is bit-identical to one thread', () => {
    const pool = new KernelPool(2);
    try {
      const tensor = t('big', [1537, 1031], { kind: 'normal', std: 0.5 });
      const shared = initTensor(tensor, 9, sharedFloat32(1537 * 1031), pool);
      expect(shared.buffer).toBeInstanceOf(SharedArrayBuffer);
      const single = initTensor(tensor, 9);
      expect(Buffer.compare(Buffer.from(shared.buffer), Buffer.from(single.buffer))).toBe(0);
    } finally {
      pool.close();
    }
  });
});
