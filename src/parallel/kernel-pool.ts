/**
 * Parallel kernels (compile phase: weight generation and conversion) — run one data-parallel
 * kernel over the chunks of a range on this thread and on worker threads at once, and return
 * when every chunk is done. Used for the seeded initializer (src/weights) and for quantizing
 * one large tensor (src/lower/onnx/quantize-kernel.ts).
 *
 * Terms: a *kernel* is a self-contained function `(args, start, end) => void` (no imports, no
 * free variables but globals such as Math) that writes its results into typed arrays on
 * SharedArrayBuffers; a *chunk* is one `[start, end)` of the range. Every chunk writes disjoint
 * output, so which thread runs a chunk never changes a byte: the result equals the kernel run
 * over all chunks on one thread (tests compare both).
 *
 * Why synchronous: the emitter and the writer pull one tensor at a time and the weights must be
 * ready before the next write; blocking this thread in `Atomics.wait` while it shares the work
 * keeps every caller a plain function (emitOnnxModel stays synchronous). Threads claim chunks
 * from a shared counter, so a core slowed by another process takes fewer chunks.
 *
 * Why `eval` workers built from the kernels' source text: the same code then runs from the
 * TypeScript sources (tsx, vitest), from dist/ and from the bundled CLI (dist/cli has no
 * separate worker file to point at).
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

// Typed arrays (on SharedArrayBuffers: shared, not copied), numbers, strings, booleans.
export type KernelArgs = Record<string, unknown>;
export type Kernel<A extends KernelArgs> = (args: A, start: number, end: number) => void;

/** Worker-side loop: claim chunks from the shared counter until none are left, then report. */
const WORKER_MAIN = `
const { parentPort } = require('node:worker_threads');
// tsx (esbuild keepNames) wraps a kernel's local named closures in __name(fn, "name"), a
// helper of the module the kernel came from: here it only has to return the function.
globalThis.__name = (fn) => fn;
const kernels = new Map();
parentPort.on('message', (m) => {
  let status = 1;
  try {
    if (m.source !== undefined) kernels.set(m.kernel, (0, eval)('(' + m.source + ')'));
    const kernel = kernels.get(m.kernel);
    for (;;) {
      const c = Atomics.add(m.counter, 0, 1);
      if (c >= m.chunks) break;
      kernel(m.args, m.start + c * m.step, Math.min(m.end, m.start + (c + 1) * m.step));
    }
  } catch (err) {
    status = 2;
    Atomics.store(m.counter, 0, m.chunks); // the other threads stop claiming chunks
    // The caller is blocked in Atomics.wait and reads no messages: the error goes to shared memory.
    const text = new TextEncoder().encode(String((err && err.stack) || err)).subarray(0, m.error.length);
    m.error.set(text);
  }
  Atomics.store(m.done, 0, status);
  Atomics.notify(m.done, 0);
});
`;

/** A worker that does not answer within this long is a bug (a chunk takes well under a second). */
const WAIT_LIMIT_MS = 10 * 60 * 1000;

/** Threads to use in all (this one included): MOEC_THREADS, else the cores, at most 8. */
export function defaultThreads(): number {
  const set = Number(process.env.MOEC_THREADS);
  if (Number.isInteger(set) && set >= 1) return Math.min(set, 64);
  return Math.max(1, Math.min(availableParallelism(), 8));
}

/**
 * Shared memory reused from one tensor to the next, one buffer per role ('input', 'codes', …).
 * Why: a worker keeps every SharedArrayBuffer it was sent reachable until its own (rare)
 * garbage collection, so a fresh buffer per tensor piles up hundreds of MB; reused buffers
 * keep memory at the largest tensor. A view is valid until the next request for its role.
 */
export class SharedScratch {
  private readonly buffers = new Map<string, SharedArrayBuffer>();

  private bytes(role: string, n: number): SharedArrayBuffer {
    let b = this.buffers.get(role);
    if (!b || b.byteLength < n) {
      b = new SharedArrayBuffer(n);
      this.buffers.set(role, b);
    }
    return b;
  }

  float32(role: string, n: number): Float32Array {
    return new Float32Array(this.bytes(role, 4 * n), 0, n);
  }
  float64(role: string, n: number): Float64Array {
    return new Float64Array(this.bytes(role, 8 * n), 0, n);
  }
  uint16(role: string, n: number): Uint16Array {
    return new Uint16Array(this.bytes(role, 2 * n), 0, n);
  }
  /** Zero-filled (kernels OR nibbles into it). */
  uint8(role: string, n: number): Uint8Array {
    return new Uint8Array(this.bytes(role, n), 0, n).fill(0);
  }

  release(): void {
    this.buffers.clear();
  }
}

export class KernelPool {
  private workers: { worker: Worker; known: Set<string> }[] = [];
  readonly scratch = new SharedScratch();
  // Reused between runs, for the same reason as the scratch buffers.
  private readonly counter = new Int32Array(new SharedArrayBuffer(4));
  private readonly error = new Uint8Array(new SharedArrayBuffer(2048));
  private flags: Int32Array[] = [];

  /** `threads` counts this thread; 1 runs every chunk here (no worker is started). */
  constructor(readonly threads = defaultThreads()) {}

  /**
   * Run `kernel` over [start, end) in chunks of `step` (the last may be shorter). Chunk
   * boundaries are start + i·step whatever the thread count, so callers choose `step` to keep
   * outputs of different chunks apart (e.g. whole bytes of packed nibbles).
   */
  run<A extends KernelArgs>(kernel: Kernel<A>, args: A, start: number, end: number, step: number): void {
    const name = kernel.name;
    const chunks = Math.max(0, Math.ceil((end - start) / step));
    const helpers = Math.min(this.threads - 1, chunks - 1);
    if (helpers <= 0) {
      for (let c = 0; c < chunks; c++) kernel(args, start + c * step, Math.min(end, start + (c + 1) * step));
      return;
    }
    this.start(helpers);
    const { counter, error } = this;
    const flags = this.flags.slice(0, helpers);
    Atomics.store(counter, 0, 0);
    error.fill(0);
    for (const f of flags) Atomics.store(f, 0, 0);
    for (let w = 0; w < helpers; w++) {
      const { worker, known } = this.workers[w];
      // A worker compiles a kernel the first time it is sent one.
      const source = known.has(name) ? undefined : kernel.toString();
      known.add(name);
      worker.postMessage({ kernel: name, source, args, start, end, step, chunks, counter, done: flags[w], error });
    }
    let failedHere: unknown;
    try {
      for (;;) {
        const c = Atomics.add(counter, 0, 1);
        if (c >= chunks) break;
        kernel(args, start + c * step, Math.min(end, start + (c + 1) * step));
      }
    } catch (err) {
      // Stop the workers claiming more chunks, and wait for them all the same: a worker still
      // looping when the next run resets the counter would run this kernel on that run's chunks.
      Atomics.store(counter, 0, chunks);
      failedHere = err;
    }
    let failedThere = false;
    for (const [w, flag] of flags.entries()) {
      if (Atomics.wait(flag, 0, 0, WAIT_LIMIT_MS) === 'timed-out') throw new Error(`internal: kernel ${name} worker ${w} did not finish`);
      if (Atomics.load(flag, 0) === 2) failedThere = true;
    }
    if (failedHere !== undefined) throw failedHere;
    if (failedThere) throw new Error(`internal: kernel ${name} failed in a worker: ${new TextDecoder().decode(error.slice()).replace(/\0+$/, '')}`);
  }

  /**
   * These threads with scratch buffers of their own. Why: a scratch view stays in use after the
   * kernels that filled it (a write in flight, a conversion's outputs not yet taken), so two
   * compiles at once on one pool's scratch would write each other's bytes. Runs themselves never
   * interleave (each returns when done), so the workers, counter and flags are shared.
   * Closing a lease releases its scratch only; the workers stay the pool's.
   */
  lease(): KernelPool {
    const view = Object.create(this) as KernelPool;
    Object.defineProperty(view, 'scratch', { value: new SharedScratch() });
    Object.defineProperty(view, 'close', { value: () => view.scratch.release() });
    return view;
  }

  /** Stop the workers (they are unref'd, so a process that forgets this still exits). */
  close(): void {
    for (const w of this.workers) void w.worker.terminate();
    this.workers = [];
    this.flags = [];
    this.scratch.release();
  }

  private start(count: number): void {
    while (this.workers.length < count) {
      const worker = new Worker(WORKER_MAIN, { eval: true });
      worker.unref();
      this.workers.push({ worker, known: new Set() });
      this.flags.push(new Int32Array(new SharedArrayBuffer(4)));
    }
  }
}

/** A fresh SharedArrayBuffer-backed array (tests; the compile uses the pool's scratch). */
export const sharedFloat32 = (n: number) => new Float32Array(new SharedArrayBuffer(4 * n));
export const sharedFloat64 = (n: number) => new Float64Array(new SharedArrayBuffer(8 * n));

let shared: KernelPool | undefined;

/** The process's pool (MOEC_THREADS or the cores), started on first use. */
export function kernelPool(): KernelPool {
  shared ??= new KernelPool();
  return shared;
}
