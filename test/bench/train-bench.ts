/**
 * Benchmark — one training step of an MoE block on the TensorFlow.js target: forward
 * (router, routing plan, dispatch, experts, combine) and backward to every parameter, sparse
 * dispatch against the dense-masked form, at E = 8 and 32 experts, top-2, and the achieved
 * GFLOP/s against the same backend's plain 2-D matMul.
 *
 *   npm run bench:train [-- --backend wasm|cpu|node|node-gpu|auto] [--steps 3] [--tokens 1024]
 *
 * FLOPs counted are the expert matmuls actually executed (forward + 2× for backward) plus
 * the router; the dense-masked form runs every expert on every token. Prints figures only.
 */
import * as tf from '@tensorflow/tfjs';
import { selectBackend, type BackendPreference } from '../../src/lower/tfjs/backend.js';
import type { MoeIR } from '../../src/ir/types.js';
import { moeBlock, type DispatchMode } from '../../src/lower/tfjs/moe-block.js';
import { fillNormal } from '../../src/weights/init-weights.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const T = Number(arg('tokens', '1024'));
const H = Number(arg('hidden', '256'));
const F = Number(arg('ffn', '512'));
const K = 2;
const STEPS = Number(arg('steps', '3'));
const CAPACITY = 1.25;

function moeIR(experts: number): MoeIR {
  return {
    kind: 'moe',
    experts,
    expert: { ffn: F, activation: 'swiglu', bias: false },
    router: {
      topK: K, score: 'softmax', normTopK: true, scaling: 1, groups: 1, topGroups: 1, groupScore: 'max',
      capacityFactor: CAPACITY, overflow: 'drop', dropPolicy: 'probs', jitter: 0, auxLoss: 0.01, auxLossType: 'batch', zLoss: 0.001, biasUpdate: 0, bias: false,
    },
  };
}

function variable(name: string, shape: number[], std: number): tf.Variable {
  const a = new Float32Array(shape.reduce((x, y) => x * y, 1));
  fillNormal(a, std, 1, name);
  const init = tf.tensor(a, shape);
  const v = tf.variable(init, true, `bench.${name}`);
  init.dispose();
  return v;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Median seconds per training step, and the expert/router FLOPs of one step. */
function benchStep(experts: number, dispatch: DispatchMode): { seconds: number; flops: number; dropped: number } {
  const m = moeIR(experts);
  const vars = new Map<string, tf.Variable>();
  vars.set('moe.router.weight', variable('router', [H, experts], 0.02));
  for (let e = 0; e < experts; e++) {
    vars.set(`moe.experts.${e}.gate_proj.weight`, variable(`g${e}`, [H, F], 0.02));
    vars.set(`moe.experts.${e}.up_proj.weight`, variable(`u${e}`, [H, F], 0.02));
    vars.set(`moe.experts.${e}.down_proj.weight`, variable(`d${e}`, [F, H], 0.02));
  }
  const x = variable('x', [T, H], 1);
  const r = variable('r', [T, H], 1);
  const times: number[] = [];
  let kept = 0;
  try {
    for (let step = 0; step <= STEPS; step++) {
      const t0 = performance.now();
      const { value, grads } = tf.variableGrads(() => {
        const out = moeBlock(m, x, (n) => vars.get(n)!, (n) => vars.get(n), 'moe', { training: true, seed: step, dispatch, layout: { sequences: 1, rankSequences: 1 } });
        kept = out.plan.kept;
        return tf.addN([tf.sum(tf.mul(out.y, r)), out.aux!, out.z!]) as tf.Scalar;
      }, [x, ...vars.values()]);
      value.dataSync();
      for (const g of Object.values(grads)) g.dataSync();
      const dt = (performance.now() - t0) / 1000;
      value.dispose();
      tf.dispose(Object.values(grads));
      if (step > 0) times.push(dt); // step 0 warms kernels and the allocator
    }
  } finally {
    for (const v of [...vars.values(), x, r]) v.dispose();
  }
  const rows = dispatch === 'sparse' ? kept : T * experts;
  const forward = 2 * rows * H * F * 3 + 2 * T * H * experts;
  return { seconds: median(times), flops: 3 * forward, dropped: 1 - kept / (T * K) };
}

function plainMatMulGflops(): number {
  const a = tf.randomNormal([T, H]);
  const b = tf.randomNormal([H, F]);
  const times: number[] = [];
  for (let i = 0; i < 12; i++) {
    const t0 = performance.now();
    const c = tf.matMul(a, b);
    c.dataSync();
    c.dispose();
    if (i > 1) times.push((performance.now() - t0) / 1000);
  }
  a.dispose();
  b.dispose();
  return (2 * T * H * F) / median(times) / 1e9;
}

const selected = await selectBackend(arg('backend', 'wasm') as BackendPreference);
for (const w of selected.warnings) console.warn(`warning ${w.code}: ${w.message}`);
console.log(`backend ${selected.kind} (${selected.backend}${selected.details.length ? ', ' + selected.details.join(', ') : ''}); tfjs ${tf.version.tfjs}`);
console.log(`MoE block training step: tokens T=${T}, hidden ${H}, expert ffn ${F} (swiglu), top-${K}, capacity factor ${CAPACITY}; median of ${STEPS} steps`);
const peak = plainMatMulGflops();
console.log(`plain 2-D matMul [${T}×${H}]·[${H}×${F}]: ${peak.toFixed(1)} GFLOP/s`);
console.log('');
console.log('experts | dispatch | step s | tokens/s | GFLOP/s | % of matMul | dropped | speed-up | target (E/K/2)');
for (const experts of [8, 32]) {
  const sparse = benchStep(experts, 'sparse');
  const dense = benchStep(experts, 'dense');
  for (const [name, r] of [['sparse', sparse], ['dense', dense]] as const) {
    const gflops = r.flops / r.seconds / 1e9;
    const speedup = name === 'sparse' ? `${(dense.seconds / sparse.seconds).toFixed(2)}×` : '';
    const target = name === 'sparse' ? `${(experts / K / 2).toFixed(1)}×` : '';
    console.log(
      `${String(experts).padStart(7)} | ${name.padEnd(8)} | ${r.seconds.toFixed(3).padStart(6)} | ${Math.round(T / r.seconds).toString().padStart(8)} | ` +
        `${gflops.toFixed(1).padStart(7)} | ${((100 * gflops) / peak).toFixed(0).padStart(10)}% | ${(100 * r.dropped).toFixed(1).padStart(6)}% | ${speedup.padStart(8)} | ${target}`,
    );
  }
}
