// Benchmark worker (expert-workers-bench.ts): owns experts first … first+count−1 on its own
// single-threaded tfjs wasm, and runs their training step whenever the main thread says go.
import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import * as wasm from '@tensorflow/tfjs-backend-wasm';
import { createExperts } from './expert-ffn.mjs';

const require = createRequire(import.meta.url);
wasm.setWasmPaths(join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + sep);
await tf.setBackend('wasm');
const { id, first, count, hidden, ffn, capacity, data, control } = workerData;
const step = createExperts(tf, first, count, hidden, ffn);
const n = count * capacity * hidden;
// data: [x | r | dx] for all experts, each [experts, capacity, hidden]; this worker's slices.
const total = data.byteLength / 12;
const view = (k) => new Float32Array(data, (k * total + first * capacity * hidden) * 4, n);
const [x, r, dx] = [view(0), view(1), view(2)];
const flags = new Int32Array(control); // [0] done count, [1 + id] go, [3] stop
parentPort.postMessage('ready');
for (;;) {
  Atomics.wait(flags, 1 + id, 0);
  Atomics.store(flags, 1 + id, 0);
  if (Atomics.load(flags, 3) === 1) break;
  step(x, r, capacity, dx);
  Atomics.add(flags, 0, 1);
  Atomics.notify(flags, 0);
}
