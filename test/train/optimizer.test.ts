/**
 * The optimizers against an independent float64 reference written from torch.optim's update
 * rules. Tolerance: 1e-6 relative after 5 steps (float32 arithmetic vs float64).
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createOptimizer, decays } from '../../src/train/optimizer.js';
import type { TrainIR } from '../../src/ir/types.js';

type Hyper = TrainIR['optimizer'];
const base: Hyper = { type: 'adamw', lr: 0.01, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1, momentum: 0.9 };
const params = [
  { name: 'w', shape: [2, 3], group: 'attention' as const },
  { name: 'n.weight', shape: [3], group: 'norms' as const },
];
const init = { w: [0.5, -0.2, 0.1, 0.3, -0.4, 0.25], 'n.weight': [1, 1, 1] };
const gradAt = (step: number, name: string, i: number): number => Math.sin(step * 7 + i * 3 + (name === 'w' ? 0 : 11));

/** torch.optim, float64. */
function reference(h: Hyper, steps: number, lrs: number[]): Record<string, number[]> {
  const p: Record<string, number[]> = { w: [...init.w], 'n.weight': [...init['n.weight']] };
  const m: Record<string, number[]> = { w: Array(6).fill(0), 'n.weight': Array(3).fill(0) };
  const v: Record<string, number[]> = { w: Array(6).fill(0), 'n.weight': Array(3).fill(0) };
  for (let t = 1; t <= steps; t++) {
    const lr = lrs[t - 1]!;
    for (const name of ['w', 'n.weight']) {
      const wd = name === 'w' ? h.weightDecay : 0;
      for (let i = 0; i < p[name]!.length; i++) {
        let g = gradAt(t, name, i);
        let x = p[name]![i]!;
        if (h.type === 'adamw') x *= 1 - lr * wd;
        else g += wd * x;
        if (h.type === 'sgd') x -= lr * g;
        else if (h.type === 'momentum') {
          m[name]![i] = h.momentum * m[name]![i]! + g;
          x -= lr * m[name]![i]!;
        } else {
          m[name]![i] = h.beta1 * m[name]![i]! + (1 - h.beta1) * g;
          v[name]![i] = h.beta2 * v[name]![i]! + (1 - h.beta2) * g * g;
          const bc1 = 1 - h.beta1 ** t;
          const bc2 = 1 - h.beta2 ** t;
          x -= (lr / bc1) * (m[name]![i]! / (Math.sqrt(v[name]![i]!) / Math.sqrt(bc2) + h.eps));
        }
        p[name]![i] = x;
      }
    }
  }
  return p;
}

function run(h: Hyper, steps: number, lrs: number[], resumeAt?: number): Record<string, Float32Array> {
  const vars = new Map(Object.entries(init).map(([n, d]) => [n, tf.variable(tf.tensor(d, params.find((p) => p.name === n)!.shape))]));
  let opt = createOptimizer(h, params);
  for (let t = 1; t <= steps; t++) {
    if (resumeAt !== undefined && t === resumeAt + 1) {
      // Round-trip the state through plain arrays, as a checkpoint does.
      const snap = opt.snapshot();
      const tensors = new Map([...(snap.tensors as Map<string, tf.Variable>)].map(([k, v]) => [k, Float32Array.from(v.dataSync())]));
      opt.dispose();
      opt = createOptimizer(h, params);
      expect(opt.restore({ ...snap, format: 'moec-checkpoint', version: 1, tensors })).toBeUndefined();
    }
    const grads = new Map([...vars].map(([n, v]) => [n, tf.tensor(Array.from({ length: v.size }, (_, i) => gradAt(t, n, i)), v.shape)]));
    opt.apply(vars, grads, lrs[t - 1]!);
    for (const g of grads.values()) g.dispose();
  }
  const out = Object.fromEntries([...vars].map(([n, v]) => [n, Float32Array.from(v.dataSync())]));
  opt.dispose();
  for (const v of vars.values()) v.dispose();
  return out;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('optimizers', () => {
  const lrs = [0.01, 0.02, 0.03, 0.02, 0.01];
  for (const type of ['adamw', 'adam', 'sgd', 'momentum'] as const) {
    it(`${type} matches torch.optim's update rule (float64 reference, rel. 1e-6)`, () => {
      const h = { ...base, type };
      const got = run(h, 5, lrs);
      const want = reference(h, 5, lrs);
      for (const name of Object.keys(want)) {
        want[name]!.forEach((w, i) => expect(Math.abs(got[name]![i]! - w)).toBeLessThan(1e-6 * Math.max(1, Math.abs(w))));
      }
    });
  }

  it('restores bit-exactly from a snapshot taken mid-run', () => {
    const straight = run(base, 5, lrs);
    const resumed = run(base, 5, lrs, 2);
    for (const name of Object.keys(straight)) expect(Buffer.from(resumed[name]!.buffer)).toEqual(Buffer.from(straight[name]!.buffer));
  });

  it('decays matrices but not norms and biases', () => {
    expect(decays({ name: 'w', shape: [2, 2], group: 'attention' })).toBe(true);
    expect(decays({ name: 'layers.0.input_norm.weight', shape: [4], group: 'norms' })).toBe(false);
    expect(decays({ name: 'layers.0.attn.q_proj.bias', shape: [4], group: 'attention' })).toBe(false);
  });
});
