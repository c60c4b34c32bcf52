/**
 * Benchmark — one training step of an MoE block on the TensorFlow.js target: forward
 * (router, routing plan, dispatch, experts, combine) and backward to every parameter, sparse
 * dispatch against the dense-masked form, at E = 8 and 32 experts, top-2, and the achieved
 * GFLOP/s against the same backend's plain 2-D matMul. On wasm, every figure is taken with one
 * thread and with all available threads (`--threads`), side by side, with the ratio; rounds
 * alternate the two so that a change in the machine's load hits both.
 *
 *   npm run bench:train [-- --backend wasm|cpu|node|node-gpu|webgpu|auto] [--threads 2]
 *                       [--steps 3] [--rounds 2] [--tokens 1024]
 *
 * FLOPs counted are the expert matmuls actually executed (forward + 2× for backward) plus
 * the router; the dense-masked form runs every expert on every token. Prints figures only.
 * The load average (1 min) is printed before and after: on a shared machine, compare runs
 * taken at similar loads. `cpu s` is the CPU time of all the process's threads per step: when
 * it is about the same on N threads as on 1 but the wall time is not shorter, the run did not
 * get the cores (a busy machine), not that the work does not split.
 */
import * as tf from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
import { loadavg } from 'node:os';
import { selectBackend, type BackendPreference } from '../../src/lower/tfjs/backend.js';
import { availableWasmThreads } from '../../src/lower/tfjs/wasm-threads.js';
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
const ROUNDS = Number(arg('rounds', '2'));
const BACKEND = arg('backend', 'wasm') as BackendPreference;
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

/** Seconds per training step (wall, and CPU of all threads), and the expert/router FLOPs of one step. */
interface StepFigures {
  /** sha256 of the last step's loss and gradients: the same on every thread count. */
  hash: string;
  times: number[];
  cpuTimes: number[];
  flops: number;
  dropped: number;
}

function benchStep(experts: number, dispatch: DispatchMode): StepFigures {
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
  const cpuTimes: number[] = [];
  const hash = createHash('sha256');
  let kept = 0;
  try {
    for (let step = 0; step <= STEPS; step++) {
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      const { value, grads } = tf.variableGrads(() => {
        const out = moeBlock(m, x, (n) => vars.get(n)!, (n) => vars.get(n), 'moe', { training: true, seed: step, dispatch, layout: { sequences: 1, rankSequences: 1 } });
        kept = out.plan.kept;
        return tf.addN([tf.sum(tf.mul(out.y, r)), out.aux!, out.z!]) as tf.Scalar;
      }, [x, ...vars.values()]);
      const last = step === STEPS;
      if (last) hash.update(value.dataSync() as Float32Array);
      for (const g of Object.values(grads)) {
        const d = g.dataSync() as Float32Array;
        if (last) hash.update(d);
      }
      const dt = (performance.now() - t0) / 1000;
      value.dispose();
      tf.dispose(Object.values(grads));
      const cpu = process.cpuUsage(c0);
      if (step > 0) {
        // step 0 warms kernels and the allocator
        times.push(dt);
        cpuTimes.push((cpu.user + cpu.system) / 1e6);
      }
    }
  } finally {
    for (const v of [...vars.values(), x, r]) v.dispose();
  }
  const rows = dispatch === 'sparse' ? kept : T * experts;
  const forward = 2 * rows * H * F * 3 + 2 * T * H * experts;
  return { hash: hash.digest('hex'), times, cpuTimes, flops: 3 * forward, dropped: 1 - kept / (T * K) };
}

function plainMatMulSeconds(): number[] {
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
  return times;
}

interface Figures {
  matmul: number[];
  steps: Map<string, StepFigures>;
}
const CONFIGS = [8, 32].flatMap((experts) => (['sparse', 'dense'] as const).map((dispatch) => ({ experts, dispatch, key: `${experts}/${dispatch}` })));

/** One pass over every configuration on the active backend, appended to `into`. */
function measure(into: Figures): void {
  into.matmul.push(...plainMatMulSeconds());
  for (const c of CONFIGS) {
    const r = benchStep(c.experts, c.dispatch);
    const seen = into.steps.get(c.key);
    if (seen) {
      if (seen.hash !== r.hash) seen.hash = 'differs between rounds';
      seen.times.push(...r.times);
      seen.cpuTimes.push(...r.cpuTimes);
    } else into.steps.set(c.key, r);
  }
}

const wasm = BACKEND === 'wasm' || BACKEND === 'auto';
const all = Number(arg('threads', String(availableWasmThreads())));
const threadCounts = wasm && all > 1 ? [1, all] : [all];
const figures = new Map<number, Figures>(threadCounts.map((n) => [n, { matmul: [], steps: new Map() }]));
const load0 = loadavg()[0]!;
let header = '';
for (let round = 0; round < ROUNDS; round++) {
  for (const threads of round % 2 ? [...threadCounts].reverse() : threadCounts) {
    const selected = await selectBackend(BACKEND, wasm ? { threads } : {});
    if (round === 0) for (const w of selected.warnings) console.warn(`warning ${w.code}: ${w.message}`);
    header ||= `backend ${selected.kind} (${selected.backend}); tfjs ${tf.version.tfjs}`;
    measure(figures.get(threads)!);
  }
}
const load1 = loadavg()[0]!;

const gflops = (flops: number, times: number[]): number => flops / median(times) / 1e9;
const label = (n: number): string => `${n} thr`;
console.log(header);
console.log(`load average (1 min): ${load0.toFixed(1)} at start, ${load1.toFixed(1)} at end, on ${availableWasmThreads()} available core(s)`);
console.log(`MoE block training step: tokens T=${T}, hidden ${H}, expert ffn ${F} (swiglu), top-${K}, capacity factor ${CAPACITY}; median of ${STEPS} steps × ${ROUNDS} rounds`);
const mm = threadCounts.map((n) => (2 * T * H * F) / median(figures.get(n)!.matmul) / 1e9);
console.log(
  `plain 2-D matMul [${T}×${H}]·[${H}×${F}]: ` + threadCounts.map((n, i) => `${mm[i]!.toFixed(1)} GFLOP/s on ${label(n)}`).join(', ') +
    (threadCounts.length > 1 ? ` (${(mm[1]! / mm[0]!).toFixed(2)}×)` : ''),
);
console.log('');
const cols = threadCounts.map((n) => `step s ${label(n)}`);
const cpuCols = threadCounts.map((n) => `cpu s ${label(n)}`);
const last = threadCounts[threadCounts.length - 1]!;
console.log(
  ['experts', 'dispatch', ...cols, ...(threadCounts.length > 1 ? ['threads speed-up'] : []), ...cpuCols, `tokens/s ${label(last)}`, `GFLOP/s ${label(last)}`, '% of matMul', 'dropped', `dense÷sparse ${label(last)}`, 'target (E/K/2)'].join(' | '),
);
for (const c of CONFIGS) {
  const per = threadCounts.map((n) => figures.get(n)!.steps.get(c.key)!);
  const secs = per.map((r) => median(r.times));
  const top = per[per.length - 1]!;
  const g = gflops(top.flops, top.times);
  const sparse = figures.get(last)!.steps.get(`${c.experts}/sparse`)!;
  const dense = figures.get(last)!.steps.get(`${c.experts}/dense`)!;
  const cells = [
    String(c.experts).padStart(7),
    c.dispatch.padEnd(8),
    ...secs.map((x, i) => x.toFixed(3).padStart(cols[i]!.length)),
    ...(threadCounts.length > 1 ? [`${(secs[0]! / secs[secs.length - 1]!).toFixed(2)}×`.padStart(16)] : []),
    ...per.map((r, i) => median(r.cpuTimes).toFixed(3).padStart(cpuCols[i]!.length)),
    Math.round(T / secs[secs.length - 1]!).toString().padStart(10),
    g.toFixed(1).padStart(11),
    `${((100 * g) / mm[mm.length - 1]!).toFixed(0)}%`.padStart(11),
    `${(100 * top.dropped).toFixed(1)}%`.padStart(7),
    (c.dispatch === 'sparse' ? `${(median(dense.times) / median(sparse.times)).toFixed(2)}×` : '').padStart(18),
    c.dispatch === 'sparse' ? `${(c.experts / K / 2).toFixed(1)}×` : '',
  ];
  console.log(cells.join(' | '));
}
if (threadCounts.length > 1) {
  const differ = CONFIGS.filter((c) => new Set(threadCounts.map((n) => figures.get(n)!.steps.get(c.key)!.hash)).size > 1);
  console.log(
    differ.length
      ? `loss and gradients DIFFER between thread counts: ${differ.map((c) => c.key).join(', ')}`
      : `loss and gradients: the same bytes on ${threadCounts.join(' and ')} threads in every configuration (sha256 of the last step)`,
  );
}
