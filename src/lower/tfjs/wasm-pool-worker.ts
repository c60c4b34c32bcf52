/**
 * TensorFlow.js target — backend setup: the `Worker` class emscripten's pthread pool is built
 * from, during the threaded wasm init (wasm-init-shim.ts).
 *
 * Emscripten's Node runtime sets `global.Worker = require('worker_threads').Worker` and then
 * calls `new Worker(file)` for each of the 8 pool workers (tfjs-backend-wasm 4.22 bundle,
 * `PThread.allocateUnusedWorker`). For the duration of the init moec hands it a subclass that
 *
 * - starts workers with `execArgv: []`: by default a worker inherits the parent's flags, so a
 *   `node --import tsx` (tests, benches) would load tsx into every pool worker, and flags that
 *   only make sense for a main script (`--input-type`, `--eval`) would kill them;
 * - reports the first worker that errors or exits during init instead of letting emscripten's
 *   `worker.onerror` rethrow it on the main thread (an uncaught exception with a stack trace),
 *   so the caller falls back at once rather than wait for its timeout.
 *
 * After the init the global is what emscripten set, and workers report as emscripten intends.
 * A failed init terminates the workers it made, before the hook is removed: one that never
 * reported `loaded` is still ref()ed and would keep the process alive, and one still starting
 * would fail on its deleted script file and report that through emscripten, fatally.
 */
import { Worker as NodeWorker, type WorkerOptions } from 'node:worker_threads';

export interface PoolWorkerHook {
  /** Settles with the first failure seen during init; never settles if there is none. */
  failed: Promise<string>;
  /** End every worker made during the init (a failed init: none of them will be used). */
  terminateAll(): Promise<void>;
  restore(): void;
}

/** `describeExit(code)` adds what the worker left behind (its load error), when anything. */
export function installPoolWorker(describeExit: () => string | undefined): PoolWorkerHook {
  let open = true;
  let report: (reason: string) => void = () => undefined;
  const failed = new Promise<string>((resolve) => (report = resolve));
  const made: NodeWorker[] = [];

  class PoolWorker extends NodeWorker {
    constructor(file: string | URL, options: WorkerOptions = {}) {
      super(file, { ...options, execArgv: [] });
      made.push(this);
      this.on('exit', (code) => {
        if (!open || code === 0) return;
        const why = describeExit();
        report(why ? `a worker thread could not load its script (${why})` : `a worker thread exited with code ${code}`);
      });
    }

    override emit(event: string | symbol, ...args: unknown[]): boolean {
      if (event !== 'error' || !open) return super.emit(event, ...args);
      report(`a worker thread failed: ${String((args[0] as Error)?.message ?? args[0]).split('\n')[0]}`);
      return true;
    }
  }

  const g = globalThis as { Worker?: unknown };
  let assigned: unknown = g.Worker;
  Object.defineProperty(globalThis, 'Worker', {
    configurable: true,
    get: () => PoolWorker,
    // emscripten assigns worker_threads' Worker; remember it for after the init.
    set: (v: unknown) => (assigned = v),
  });
  return {
    failed,
    async terminateAll() {
      await Promise.all(made.map((w) => w.terminate()));
    },
    restore() {
      open = false;
      delete g.Worker;
      if (assigned !== undefined) g.Worker = assigned;
    },
  };
}
