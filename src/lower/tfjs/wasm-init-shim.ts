/**
 * TensorFlow.js target — backend setup: what the threaded tfjs-backend-wasm init needs from Node
 * while it runs, installed for that window only and undone after it.
 *
 * - `Blob`: a subclass that remembers its text, so the two scripts tfjs builds as Blobs can be
 *   read back synchronously (Node's Blob has only async readers).
 * - `URL.createObjectURL`: for the worker-script Blob, writes the worker and main scripts
 *   (wasm-thread-scripts.ts) to a private temp directory and returns the worker file's path,
 *   which `worker_threads.Worker` can start. A script moec does not recognise throws here,
 *   inside the factory, so tfjs's init rejects and the caller falls back; nothing has started.
 * - `os.cpus()`: reports 2 × the wanted thread count. tfjs-backend-wasm sizes XNNPACK's pool as
 *   min(max(requested, 1), 8, logical_cores / 2) (src/cc/backend.cc at tfjs-v4.22.0,
 *   `init_with_threads_count`; `num_cores = emscripten_num_logical_cores() / 2`, "many x86-64
 *   processors have 2 threads per core"), and emscripten's `_emscripten_num_logical_cores` is
 *   `require('os').cpus().length` in Node. Left alone, a 2-core machine gets 1 thread whatever
 *   `setThreadsCount` says. The value is read once, by a static constructor during init.
 * - `Worker`: a subclass that starts pool workers without the parent's flags and reports the
 *   first one that fails (wasm-pool-worker.ts).
 *
 * The temp directory is removed by `restore()` (and at process exit if a run dies in between):
 * every worker has read its files by the time tfjs's init resolves, because emscripten holds the
 * module's start until its pool (PTHREAD_POOL_SIZE=8, src/cc/BUILD.bazel) has loaded.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installPoolWorker } from './wasm-pool-worker.js';
import { buildMainScript, buildWorkerScript, LOAD_FAILED, MAIN_SCRIPT_PREFIX } from './wasm-thread-scripts.js';

export interface InitShim {
  /** Why the scripts were refused, when they were. */
  failure?: string;
  /** The error a worker met loading its script, if one did (read before `restore()`). */
  loadError(): string | undefined;
  /** True once the worker script was written: tfjs really started its threaded build. */
  started: boolean;
  /** The temp directory, while it exists. */
  dir?: string;
  /** Settles with the first worker failure during init (wasm-pool-worker.ts). */
  workerFailed: Promise<string>;
  /** End the pool workers this init made (after a failure; before `restore()`). */
  terminateWorkers(): Promise<void>;
  restore(): void;
}

export interface InitShimOptions {
  threads: number;
  /** `require$$N` → module name, read from the bundle's header. */
  requireNames: ReadonlyMap<string, string>;
  /** Test seam: called after the scripts are written, with their paths. */
  afterWrite?: (files: { worker: string; main: string }) => void;
  /** Test seam: rewrites the text of each Blob tfjs builds, to play a changed tfjs. */
  editBlobText?: (text: string) => string;
}

export function installInitShim(o: InitShimOptions): InitShim {
  const NativeBlob = globalThis.Blob;
  const nativeCreate = URL.createObjectURL;
  const nativeCpus = os.cpus;
  const texts = new WeakMap<Blob, string>();
  let mainText: string | undefined;
  const pool = installPoolWorker(loadError);
  const shim: InitShim = { started: false, restore, loadError, workerFailed: pool.failed, terminateWorkers: pool.terminateAll };

  class RecordingBlob extends NativeBlob {
    constructor(parts: ConstructorParameters<typeof Blob>[0] = [], options?: ConstructorParameters<typeof Blob>[1]) {
      const strings = parts.every((p) => typeof p === 'string');
      const edited = strings && o.editBlobText ? [o.editBlobText(parts.join(''))] : parts;
      super(edited, options);
      if (strings) {
        const text = edited.join('');
        texts.set(this, text);
        if (text.startsWith(MAIN_SCRIPT_PREFIX)) mainText = text;
      }
    }
  }

  const fail = (reason: string): never => {
    shim.failure = reason;
    throw new Error(`moec: threaded wasm refused: ${reason}`);
  };

  let workerPath: string | undefined;
  function createObjectURL(blob: Blob): string {
    const text = texts.get(blob);
    if (text === undefined || text.startsWith(MAIN_SCRIPT_PREFIX)) return nativeCreate(blob);
    // One Blob per pool worker, all the same script: write the files once.
    if (workerPath) return workerPath;
    if (mainText === undefined) fail('tfjs asked for a worker before it built the main script');
    const dir = mkdtempSync(join(tmpdir(), 'moec-wasm-threads-'));
    shim.dir = dir;
    const main = join(dir, 'main.cjs');
    const mainScript = buildMainScript(mainText!, o.requireNames);
    if (!mainScript.ok) return fail(mainScript.reason);
    const workerScript = buildWorkerScript(text, main);
    if (!workerScript.ok) return fail(workerScript.reason);
    const worker = join(dir, 'worker.cjs');
    writeFileSync(main, mainScript.text);
    writeFileSync(worker, workerScript.text);
    shim.started = true;
    o.afterWrite?.({ worker, main });
    workerPath = worker;
    return worker;
  }

  const cpus = (): os.CpuInfo[] => {
    const real = nativeCpus();
    const idle = { model: 'moec', speed: 0, times: { user: 0, nice: 0, sys: 0, idle: 0, irq: 0 } };
    return Array.from({ length: 2 * o.threads }, (_, i) => real[i] ?? real[0] ?? idle);
  };

  function loadError(): string | undefined {
    if (!shim.dir || !existsSync(join(shim.dir, LOAD_FAILED))) return undefined;
    return readFileSync(join(shim.dir, LOAD_FAILED), 'utf8');
  }

  function removeDir(): void {
    if (shim.dir) rmSync(shim.dir, { recursive: true, force: true });
    shim.dir = undefined;
  }

  function restore(): void {
    pool.restore();
    globalThis.Blob = NativeBlob;
    URL.createObjectURL = nativeCreate;
    os.cpus = nativeCpus;
    removeDir();
    process.off('exit', removeDir);
  }

  globalThis.Blob = RecordingBlob as typeof Blob;
  URL.createObjectURL = createObjectURL as typeof URL.createObjectURL;
  os.cpus = cpus;
  process.on('exit', removeDir);
  return shim;
}
