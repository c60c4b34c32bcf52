/**
 * The MoE block's gradients and dispatch:
 * - gradient check: analytic gradients of a tiny MoE block (top-2, shared expert, balance +
 *   z losses) against central finite differences in float32 on cpu, for every aux_loss_type,
 *   softmax and sigmoid scores, two rank groups, a padded batch and the `global` running mean;
 *   tolerance |g − fd| ≤ 2e-3 + 2e-2·|fd| (FD step 1e-2; float32 rounding ~1e-5);
 * - sparse dispatch == dense-masked reference in outputs and every gradient, with and without
 *   capacity drops, for each drop policy and loss type, cpu and wasm, tolerance 1e-5;
 * - capacity dropping matches an independent JS computation of which assignments drop.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import type { MoeIR } from '../../../src/ir/types.js';
import { moeBlock, type DispatchMode } from '../../../src/lower/tfjs/moe-block.js';
import type { GlobalCounts, TokenLayout } from '../../../src/lower/tfjs/balance-loss.js';
import { planRouting, type RoutingPlan } from '../../../src/lower/tfjs/router.js';
import { fillNormal } from '../../../src/weights/init-weights.js';
import { maxRelDiff, NUMERIC_BACKENDS, useBackend } from './helpers.js';

const H = 6;
const T = 12;
/** Three sequences of four tokens, one rank group. */
const LAYOUT: TokenLayout = { sequences: 3, rankSequences: 3 };

interface Setting {
  layout: TokenLayout;
  global?: GlobalCounts;
}
const PLAIN: Setting = { layout: LAYOUT };

function moeIR(over: Partial<MoeIR['router']> = {}, shared = true): MoeIR {
  return {
    kind: 'moe',
    experts: 4,
    expert: { ffn: 5, activation: 'swiglu', bias: false },
    ...(shared ? { shared: { ffn: 3, activation: 'swiglu', bias: false, count: 1, gate: true } } : {}),
    router: {
      topK: 2, score: 'softmax', normTopK: true, scaling: 1, groups: 1, topGroups: 1, groupScore: 'max',
      overflow: 'drop', dropPolicy: 'probs', jitter: 0, auxLoss: 0.1, auxLossType: 'batch', zLoss: 0.01, biasUpdate: 0, bias: true, ...over,
    },
  };
}

function params(m: MoeIR, seed = 5): Map<string, Float32Array> {
  const shapes: [string, number[]][] = [['moe.router.weight', [H, m.experts]], ['moe.router.bias', [m.experts]]];
  for (let e = 0; e < m.experts; e++) {
    for (const p of ['gate_proj', 'up_proj']) shapes.push([`moe.experts.${e}.${p}.weight`, [H, m.expert.ffn]]);
    shapes.push([`moe.experts.${e}.down_proj.weight`, [m.expert.ffn, H]]);
  }
  if (m.shared) {
    for (const p of ['gate_proj', 'up_proj']) shapes.push([`moe.shared.${p}.weight`, [H, m.shared.ffn]]);
    shapes.push([`moe.shared.down_proj.weight`, [m.shared.ffn, H]], ['moe.shared.gate.weight', [H, 1]]);
  }
  const out = new Map<string, Float32Array>();
  for (const [name, shape] of shapes) {
    const a = new Float32Array(shape.reduce((x, y) => x * y, 1));
    fillNormal(a, 0.6, seed, name);
    out.set(name, a);
  }
  return out;
}

/** Scalar objective: Σ y ⊙ r + aux + z, as a function of the input and every parameter. */
function objective(m: MoeIR, values: Map<string, tf.Tensor>, x: tf.Tensor, r: tf.Tensor, dispatch: DispatchMode, set: Setting = PLAIN): tf.Scalar {
  const get = (n: string) => values.get(n)!;
  const out = moeBlock(m, x, get, (n) => values.get(n), 'moe', { training: false, seed: 0, dispatch, ...set });
  const terms = [tf.sum(tf.mul(out.y, r)), out.aux, out.z].filter((t): t is tf.Tensor => t !== undefined);
  return tf.addN(terms) as tf.Scalar;
}

/** Value and gradients w.r.t. x and every parameter (zeros for a parameter the step did not reach). */
function gradsOf(m: MoeIR, w: Map<string, Float32Array>, xData: Float32Array, rData: Float32Array, dispatch: DispatchMode, set: Setting = PLAIN) {
  const names = [...w.keys()];
  const vars = names.map((n) => tf.variable(tf.tensor(w.get(n)!, shapeOf(m, n)), true, `test.${n}`));
  const x = tf.variable(tf.tensor2d(xData, [T, H]), true, 'test.x');
  try {
    return tf.tidy(() => {
      const r = tf.tensor2d(rData, [T, H]);
      const values = new Map<string, tf.Tensor>(names.map((n, i) => [n, vars[i]!]));
      const { value, grads } = tf.variableGrads(() => objective(m, values, x, r, dispatch, set), [x, ...vars]);
      const read = (v: tf.Variable) => (grads[v.name] ? (grads[v.name]!.dataSync() as Float32Array) : new Float32Array(v.size));
      return { value: value.dataSync()[0]!, grads: [x, ...vars].map(read), names };
    });
  } finally {
    for (const v of [x, ...vars]) v.dispose();
  }
}

function shapeOf(m: MoeIR, name: string): number[] {
  if (name === 'moe.router.weight') return [H, m.experts];
  if (name === 'moe.router.bias') return [m.experts];
  if (name === 'moe.shared.gate.weight') return [H, 1];
  const width = name.startsWith('moe.shared') ? m.shared!.ffn : m.expert.ffn;
  return name.includes('down_proj') ? [width, H] : [H, width];
}

function evalObjective(m: MoeIR, w: Map<string, Float32Array>, xData: Float32Array, rData: Float32Array, set: Setting = PLAIN): number {
  return tf.tidy(() => {
    const values = new Map([...w].map(([n, a]) => [n, tf.tensor(a, shapeOf(m, n))]));
    return objective(m, values, tf.tensor2d(xData, [T, H]), tf.tensor2d(rData, [T, H]), 'sparse', set).dataSync()[0]!;
  });
}

function randomArray(n: number, name: string, std = 1): Float32Array {
  const a = new Float32Array(n);
  fillNormal(a, std, 11, name);
  return a;
}

/** Token 2, 7 and 11 are padding. */
const PADDED = Uint8Array.from({ length: T }, (_, t) => (t === 2 || t === 7 || t === 11 ? 0 : 1));

const GRADIENT_CASES: [string, MoeIR, Setting][] = [
  ['batch, softmax, one rank group', moeIR({ capacityFactor: 2 }), PLAIN],
  ['batch, two rank groups of unequal padding', moeIR({ capacityFactor: 2 }), { layout: { sequences: 4, rankSequences: 2, valid: PADDED } }],
  ['sequence, sigmoid (normalised P), group-limited selection', moeIR({ score: 'sigmoid', groups: 2, topGroups: 1, auxLossType: 'sequence' }), PLAIN],
  ['sequence, padded, two rank groups', moeIR({ auxLossType: 'sequence' }), { layout: { sequences: 4, rankSequences: 2, valid: PADDED } }],
  ['global with earlier micro-batch counts, padded', moeIR({ auxLossType: 'global', score: 'sigmoid' }), { layout: { sequences: 3, rankSequences: 1, valid: PADDED }, global: { counts: Float64Array.of(9, 1, 4, 2), steps: 2 } }],
];

describe('MoE block gradients', () => {
  // cpu, and wasm on 2 threads: every kernel of the step under XNNPACK's thread pool.
  for (const [label, m, set] of GRADIENT_CASES) for (const backend of [NUMERIC_BACKENDS[0], NUMERIC_BACKENDS[2]]) {
    it(`match central finite differences: ${label} (${backend.label}, float32)`, async () => {
      await useBackend(backend.name, backend.threads);
      const w = params(m);
      const x = randomArray(T * H, 'x');
      const r = randomArray(T * H, 'r');
      const { grads, names } = gradsOf(m, w, x, r, 'sparse', set);
      const eps = 1e-2;
      let checked = 0;
      const probe = (name: string, data: Float32Array, g: Float32Array) => {
        for (let i = 0; i < data.length; i += Math.max(1, Math.floor(data.length / 5))) {
          const orig = data[i]!;
          data[i] = orig + eps;
          const up = evalObjective(m, w, x, r, set);
          data[i] = orig - eps;
          const down = evalObjective(m, w, x, r, set);
          data[i] = orig;
          const fd = (up - down) / (2 * eps);
          expect(Math.abs(g[i]! - fd), `${name}[${i}] analytic ${g[i]} fd ${fd}`).toBeLessThanOrEqual(2e-3 + 2e-2 * Math.abs(fd));
          checked++;
        }
      };
      probe('x', x, grads[0]!);
      names.forEach((n, j) => probe(n, w.get(n)!, grads[j + 1]!));
      expect(checked).toBeGreaterThanOrEqual(100);
    });
  }

  it('the router losses reach the router weights (their gradient is not zero)', async () => {
    await useBackend('cpu');
    for (const [label, m0, set] of GRADIENT_CASES) {
      const m = { ...m0, router: { ...m0.router, zLoss: 0 } };
      const w = params(m);
      const zeroR = new Float32Array(T * H);
      const { grads, names } = gradsOf(m, w, randomArray(T * H, 'x'), zeroR, 'sparse', set);
      const g = grads[names.indexOf('moe.router.weight') + 1]!;
      expect(Math.max(...Array.from(g, Math.abs)), label).toBeGreaterThan(1e-6);
    }
  });
});

describe('sparse dispatch == dense-masked reference', () => {
  const cases: [string, MoeIR, Setting][] = [
    ['no drops (capacity factor 4)', moeIR({ capacityFactor: 4 }), PLAIN],
    ['no capacity, sigmoid, groups, sequence loss', moeIR({ score: 'sigmoid', groups: 2, topGroups: 1, scaling: 2, auxLossType: 'sequence' }), PLAIN],
    ['capacity drops (factor 0.5), drop policy probs', moeIR({ capacityFactor: 0.5 }), PLAIN],
    ['capacity drops, drop policy position, global loss, padded', moeIR({ capacityFactor: 0.5, dropPolicy: 'position', auxLossType: 'global' }), { layout: { sequences: 3, rankSequences: 1, valid: PADDED }, global: { counts: Float64Array.of(3, 5, 0, 8), steps: 1 } }],
    ['capacity drops, drop policy gshard, batch loss over two rank groups', moeIR({ capacityFactor: 0.5, dropPolicy: 'gshard' }), { layout: { sequences: 4, rankSequences: 2 } }],
    ['top-1 no shared', moeIR({ topK: 1, capacityFactor: 1 }, false), PLAIN],
  ];
  for (const backend of NUMERIC_BACKENDS) {
    for (const [label, m, set] of cases) {
      it(`${label} (${backend.label})`, async () => {
        await useBackend(backend.name, backend.threads);
        const w = params(m, 9);
        const x = randomArray(T * H, 'x2');
        const r = randomArray(T * H, 'r2');
        const sparse = gradsOf(m, w, x, r, 'sparse', set);
        const dense = gradsOf(m, w, x, r, 'dense', set);
        expect(Math.abs(sparse.value - dense.value)).toBeLessThan(1e-5 * (1 + Math.abs(dense.value)));
        sparse.grads.forEach((g, i) => expect(maxRelDiff(g, dense.grads[i]!), sparse.names[i - 1] ?? 'x').toBeLessThan(1e-5));
      });
    }
  }
});

describe('capacity dropping', () => {
  it('drops exactly the assignments past capacity in GShard order', () => {
    const E = 4;
    const tokens = 40;
    const router = moeIR({ capacityFactor: 0.75, dropPolicy: 'gshard' }).router;
    const scores = randomArray(tokens * E, 'scores');
    // Skew towards expert 0 so it overflows.
    for (let t = 0; t < tokens; t++) scores[t * E] = scores[t * E]! + 1.5;
    const plan = planRouting(scores, tokens, E, router);
    const C = Math.ceil((0.75 * tokens * 2) / E);
    expect(plan.capacity).toBe(C);
    // Independent computation: rank choices per token, then count in (k, t) order.
    const fill = new Array(E).fill(0);
    let drops = 0;
    for (let k = 0; k < 2; k++) {
      for (let t = 0; t < tokens; t++) {
        const row = Array.from(scores.slice(t * E, t * E + E));
        const order = row.map((v, e) => [v, e] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
        const e = order[k]![1];
        expect(plan.choice[t * 2 + k]).toBe(e);
        const dropped = fill[e]++ >= C;
        if (dropped) drops++;
        expect(plan.slotOf[t * 2 + k]! === plan.kept, `token ${t} choice ${k}`).toBe(dropped);
      }
    }
    expect(drops).toBeGreaterThan(0);
    expect(plan.kept).toBe(tokens * 2 - drops);
    const noDrop = planRouting(scores, tokens, E, { ...router, overflow: 'no_drop' });
    expect(noDrop.kept).toBe(tokens * 2);
  });

  it('a token whose every assignment drops gets only the shared expert', async () => {
    await useBackend('cpu');
    const m = moeIR({ capacityFactor: 0.25, topK: 1 }, false);
    const w = params(m, 4);
    const x = randomArray(T * H, 'x3');
    let y!: { y: Float32Array; plan: RoutingPlan };
    tf.tidy(() => {
      const values = new Map([...w].map(([n, a]) => [n, tf.tensor(a, shapeOf(m, n))]));
      const out = moeBlock(m, tf.tensor2d(x, [T, H]), (n) => values.get(n)!, (n) => values.get(n), 'moe', { training: false, seed: 0, dispatch: 'sparse', layout: LAYOUT });
      y = { y: out.y.dataSync() as Float32Array, plan: out.plan };
    });
    let zeroRows = 0;
    for (let t = 0; t < T; t++) {
      if (y.plan.slotOf[t] === y.plan.kept) {
        zeroRows++;
        for (let i = 0; i < H; i++) expect(y.y[t * H + i]).toBe(0);
      }
    }
    expect(zeroRows).toBeGreaterThan(0);
  });
});
