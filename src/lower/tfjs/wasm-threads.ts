/**
 * TensorFlow.js target — backend setup: tfjs-backend-wasm with N threads in Node.
 *
 * tfjs-backend-wasm 4.22 ships a threaded SIMD build (XNNPACK on a pthreadpool, emscripten
 * pthreads on `worker_threads`) but never starts it in Node: its `WASM_HAS_MULTITHREAD_SUPPORT`
 * flag returns false when `IS_NODE` (src/flags_wasm.ts; tfjs issue #3830). moec turns it on:
 * it wraps the backend's registered factory so that every initialisation of `wasm` runs with
 * the flag set, `setThreadsCount(n)`, and the Node shims of wasm-init-shim.ts for the duration
 * of the init only. n = 1 is the plain SIMD build exactly as before (no workers at all).
 *
 * Failure never hangs and never crashes: scripts moec does not recognise, an init that throws,
 * a pool worker that errors or exits while loading, or workers that have not loaded within
 * `timeoutMs` make the factory fall back to the single-threaded build, and `fallback` says why
 * (the caller turns it into MOE6032). An init that completes after that is disposed (its
 * threads terminated).
 *
 * Exit: emscripten `ref()`s a worker while it hosts a running pthread (`spawnThread`), and
 * XNNPACK's pool threads run for the module's life, so a finished `moec train` would never
 * exit. After init their workers are `unref()`ed: they end with the process.
 *
 * Changing the thread count re-initialises the backend (`removeBackend` + the same factory):
 * every wasm tensor and variable is lost, so it is done before a run builds any.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join, sep } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { installInitShim } from './wasm-init-shim.js';
import { bundleRequireNames } from './wasm-thread-scripts.js';

/** XNNPACK's cap in tfjs-backend-wasm (`max_num_threads = 8`, src/cc/backend.cc) = its worker pool size. */
export const MAX_WASM_THREADS = 8;
/** tfjs-backend-wasm registers `wasm` with priority 2 (src/base.ts, WASM_PRIORITY). */
const WASM_PRIORITY = 2;
const DEFAULT_TIMEOUT_MS = 60_000;

/** The default and the upper bound of `--threads`: the cores this process may use, at most 8. */
export function availableWasmThreads(): number {
  return Math.max(1, Math.min(availableParallelism(), MAX_WASM_THREADS));
}

export interface WasmThreadsOptions {
  /** How long the workers may take to load before moec gives up on threads (default 60 s). */
  timeoutMs?: number;
  /** Test seams, passed to the init shim (wasm-init-shim.ts). */
  afterWrite?: (files: { worker: string; main: string }) => void;
  editBlobText?: (text: string) => string;
}

export interface WasmThreadsState {
  /** Threads XNNPACK's pool runs with (tfjs's `getThreadsCount()`). */
  threads: number;
  /** Why fewer threads than requested run, when they do. */
  fallback?: string;
}

type Factory = () => tf.KernelBackend | Promise<tf.KernelBackend>;
type WasmModule = typeof import('@tensorflow/tfjs-backend-wasm');

interface Wrapped {
  wasm: WasmModule;
  original: Factory;
  requireNames: ReadonlyMap<string, string>;
  wanted: number;
  options: WasmThreadsOptions;
  state?: WasmThreadsState;
}

let wrapped: Wrapped | undefined;
const require = createRequire(import.meta.url);

/** Make each worker that hosts a running pthread stop holding the process open. */
function unrefPoolWorkers(backend: tf.KernelBackend): string | undefined {
  const pthread = (backend as unknown as { wasm?: { PThread?: { runningWorkers?: unknown } } }).wasm?.PThread;
  const running = pthread?.runningWorkers;
  if (!Array.isArray(running) || !running.every((w) => typeof (w as { unref?: unknown }).unref === 'function')) {
    return 'the backend does not expose its pthread workers (PThread.runningWorkers), so they would keep the process alive';
  }
  for (const w of running as { unref(): void }[]) w.unref();
  return undefined;
}

const TIMEOUT = Symbol('timeout');

async function startThreaded(w: Wrapped, threads: number): Promise<{ backend: tf.KernelBackend } | { reason: string }> {
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  w.wasm.setThreadsCount(threads);
  const shim = installInitShim({ threads, requireNames: w.requireNames, ...w.options });
  const timeoutMs = w.options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let timer: NodeJS.Timeout | undefined;
  const pending = Promise.resolve().then(() => w.original());
  let outcome: tf.KernelBackend | typeof TIMEOUT | { failed: string };
  try {
    const timeout = new Promise<typeof TIMEOUT>((resolve) => (timer = setTimeout(() => resolve(TIMEOUT), timeoutMs)));
    outcome = await Promise.race([pending, timeout, shim.workerFailed.then((failed) => ({ failed }))]);
  } catch (err) {
    outcome = { failed: shim.failure ?? `its init failed: ${(err as Error)?.message ?? String(err)}` };
  }
  clearTimeout(timer);
  if (outcome === TIMEOUT || 'failed' in outcome) {
    // End the attempt's workers while the hooks still catch their errors, then undo the hooks.
    await shim.terminateWorkers();
    shim.restore();
    // A late init would start threads nobody uses, held open: end them if it ever arrives.
    pending.then((b) => b.dispose(), () => undefined);
    return { reason: outcome === TIMEOUT ? `its worker threads had not started after ${timeoutMs / 1000} s` : outcome.failed };
  }
  shim.restore();
  if (!shim.started) {
    outcome.dispose();
    return { reason: 'tfjs-backend-wasm did not start its threaded build' };
  }
  const stuck = unrefPoolWorkers(outcome);
  if (stuck) {
    outcome.dispose();
    return { reason: stuck };
  }
  return { backend: outcome };
}

/** The factory moec registers for `wasm`: threaded when asked and possible, else the plain build. */
async function createBackend(): Promise<tf.KernelBackend> {
  const w = wrapped!;
  let fallback: string | undefined;
  if (w.wanted > 1) {
    const r = await startThreaded(w, w.wanted);
    if ('backend' in r) {
      const threads = w.wasm.getThreadsCount();
      w.state = { threads, fallback: threads < w.wanted ? `XNNPACK's pool has ${threads} thread(s)` : undefined };
      return r.backend;
    }
    fallback = r.reason;
  }
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  w.wasm.setThreadsCount(1);
  const backend = await w.original();
  w.state = { threads: 1, fallback };
  return backend;
}

function sameOptions(a: WasmThreadsOptions, b: WasmThreadsOptions): boolean {
  return a.timeoutMs === b.timeoutMs && a.afterWrite === b.afterWrite && a.editBlobText === b.editBlobText;
}

function register(): void {
  tf.registerBackend('wasm', createBackend, WASM_PRIORITY);
}

/**
 * Make `wasm` the active backend with `threads` threads (1…8; the CLI bounds it further by the
 * machine). Returns the threads that run and why fewer, or undefined if wasm did not initialise.
 */
export async function activateWasm(threads: number, options: WasmThreadsOptions = {}): Promise<WasmThreadsState | undefined> {
  const wanted = Math.max(1, Math.min(Math.floor(threads), MAX_WASM_THREADS));
  if (!wrapped) {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    // The binaries inside the installed package, so nothing is fetched.
    wasm.setWasmPaths(join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + sep);
    const original = tf.findBackendFactory('wasm') as Factory | null;
    if (!original) return undefined;
    const bundle = readFileSync(require.resolve('@tensorflow/tfjs-backend-wasm'), 'utf8');
    tf.removeBackend('wasm');
    wrapped = { wasm, original, requireNames: bundleRequireNames(bundle), wanted, options };
    register();
  } else if (wrapped.state && (wrapped.wanted !== wanted || sameOptions(wrapped.options, options) === false)) {
    tf.removeBackend('wasm');
    wrapped.state = undefined;
    register();
  }
  wrapped.wanted = wanted;
  wrapped.options = options;
  if (!(await tf.setBackend('wasm'))) return undefined;
  return wrapped.state;
}
