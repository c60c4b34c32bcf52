/**
 * Benchmark — two ways to spread the routed experts of one MoE layer's training step over the
 * cores, same math (checksums printed): XNNPACK's threads inside every kernel (moec's
 * `--threads`, src/lower/tfjs/wasm-threads.ts), against worker_threads that each own a share
 * of the experts on a single-threaded wasm of their own and exchange rows with the main thread
 * through a SharedArrayBuffer (copies included), one hand-off per step. The single-threaded
 * main thread is the baseline. Only the expert FFNs are timed (forward + backward to inputs
 * and weights): the router, routing plan and dispatch are not part of this comparison.
 *
 *   npm run bench:expert-workers [-- --experts 32] [--steps 4] [--rounds 3]
 *
 * T = 1024 tokens, top-2, capacity factor 1.25 (capacity = ⌈T·K·1.25/E⌉ rows per expert),
 * hidden 256, expert FFN 512. Prints figures only, and the load average before and after.
 */
import { loadavg } from 'node:os';
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { activateWasm, availableWasmThreads } from '../../src/lower/tfjs/wasm-threads.js';
import { createExperts } from './expert-ffn.mjs';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}
const E = Number(arg('experts', '32'));
const STEPS = Number(arg('steps', '4'));
const ROUNDS = Number(arg('rounds', '3'));
const H = 256;
const F = 512;
const CAPACITY = Math.ceil((1024 * 2 * 1.25) / E);
const N = availableWasmThreads();
const ROWS = E * CAPACITY * H;

function pseudoRandom(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    a[i] = s / 2 ** 32 - 0.5;
  }
  return a;
}
const X = pseudoRandom(ROWS, 1);
const R = pseudoRandom(ROWS, 2);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const checksum = (a: Float32Array): number => a.reduce((h, v, i) => (i % 97 ? h : (Math.imul(h, 31) + Math.round(v * 1e6)) | 0), 0);

type Runner = { run(): Float32Array; close(): Promise<void> };

async function inProcess(threads: number): Promise<Runner> {
  await activateWasm(threads);
  const step = createExperts(tf, 0, E, H, F);
  const out = new Float32Array(ROWS);
  return { run: () => (step(X, R, CAPACITY, out), out), close: async () => tf.disposeVariables() };
}

async function workerPool(count: number): Promise<Runner> {
  const data = new SharedArrayBuffer(ROWS * 12);
  const control = new SharedArrayBuffer(16);
  const flags = new Int32Array(control);
  const [x, r, dx] = [0, 1, 2].map((k) => new Float32Array(data, k * ROWS * 4, ROWS)) as [Float32Array, Float32Array, Float32Array];
  const share = E / count;
  const workers = Array.from({ length: count }, (_, id) =>
    new Worker(new URL('./expert-worker.mjs', import.meta.url), { execArgv: [], workerData: { id, first: id * share, count: share, hidden: H, ffn: F, capacity: CAPACITY, data, control } }),
  );
  await Promise.all(workers.map((w) => new Promise((resolve) => w.once('message', resolve))));
  const out = new Float32Array(ROWS);
  return {
    run() {
      x.set(X);
      r.set(R);
      Atomics.store(flags, 0, 0);
      for (let id = 0; id < count; id++) {
        Atomics.store(flags, 1 + id, 1);
        Atomics.notify(flags, 1 + id);
      }
      for (let done = 0; done < count; done = Atomics.load(flags, 0)) Atomics.wait(flags, 0, done, 1000);
      out.set(dx);
      return out;
    },
    async close() {
      Atomics.store(flags, 3, 1);
      for (let id = 0; id < count; id++) {
        Atomics.store(flags, 1 + id, 1);
        Atomics.notify(flags, 1 + id);
      }
      await Promise.all(workers.map((w) => new Promise((resolve) => w.once('exit', resolve))));
    },
  };
}

const modes: [string, () => Promise<Runner>][] = [
  ['main thread, 1 thread', () => inProcess(1)],
  [`main thread, XNNPACK ${N} threads`, () => inProcess(N)],
  [`${N} workers × ${E / N} experts`, () => workerPool(N)],
];
if (E % N) throw new Error(`--experts ${E} does not split over ${N} workers`);
const times = new Map<string, number[]>(modes.map(([m]) => [m, []]));
const sums = new Map<string, number>();
const load0 = loadavg()[0]!;
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, make] of round % 2 ? [...modes].reverse() : modes) {
    const runner = await make();
    for (let s = 0; s <= STEPS; s++) {
      const t0 = performance.now();
      const out = runner.run();
      if (s > 0) times.get(name)!.push((performance.now() - t0) / 1000);
      sums.set(name, checksum(out));
    }
    await runner.close();
  }
}
console.log(`routed experts' training step, E=${E}, capacity ${CAPACITY} rows, hidden ${H}, ffn ${F}; median of ${STEPS} steps × ${ROUNDS} rounds`);
console.log(`load average (1 min): ${load0.toFixed(1)} at start, ${loadavg()[0]!.toFixed(1)} at end, on ${N} available core(s)`);
const base = median(times.get(modes[0]![0])!);
for (const [name] of modes) {
  const t = median(times.get(name)!);
  console.log(`${name.padEnd(32)} ${t.toFixed(3)} s  ${(base / t).toFixed(2)}×  checksum ${sums.get(name)}`);
}
