/**
 * TensorFlow.js target — backend setup: the two scripts a threaded tfjs-backend-wasm needs in
 * Node, rebuilt as files. Pure text in, text out; wasm-threads.ts writes them and wires them in.
 *
 * Terms. The *worker script* is emscripten's pthread worker (`…threaded-simd.worker.js`, inlined
 * in the bundle as `wasmWorkerContents`); every pthread runs it in a `worker_threads.Worker`.
 * The *main script* is the emscripten factory `WasmBackendModuleThreadedSimd`; a worker evaluates
 * it on its `load` message. tfjs-backend-wasm 4.22 hands both over as Blob URLs
 * (tfjs-backend-wasm/src/backend_wasm.ts, `init()`: `locateFile` returns
 * `URL.createObjectURL(new Blob([wasmWorkerContents]))`, and `mainScriptUrlOrBlob` is
 * `new Blob(['var WasmBackendModuleThreadedSimd = ' + wasmFactoryThreadedSimd.toString()])`).
 * Node can neither start a Worker from a `blob:` URL nor `importScripts` one (the worker's
 * `importScripts` is `fs.readFileSync` + eval). So both become files:
 *
 * - the main script gets a prelude that defines the free names the bundler left in the factory
 *   text (`require$$N` — rollup's names for the bundle's top-level `require('fs')` etc. —
 *   `commonjsGlobal`, and tslib's `__values`/`__read`/`__spreadArray` helpers); any other free
 *   name of that kind means the bundle changed, and the build refuses (the caller falls back to
 *   one thread) rather than let a worker die on a ReferenceError;
 * - the worker script gets a postlude: the worker's `URL.createObjectURL(blob)` returns the main
 *   script's path (the Blob it receives is the same text), and a worker whose `load` throws
 *   exits instead of crashing the process: it writes the error to `load-failed` beside the
 *   scripts (the first one only), which the main thread reads as its reason when it times out.
 */

/** What a recognised worker script must contain: the calls the postlude redirects. */
export const WORKER_MARKERS = ['URL.createObjectURL(e.data.urlOrBlob)', 'importScripts(objectUrl)', 'WasmBackendModuleThreadedSimd(Module)'] as const;
export const MAIN_SCRIPT_PREFIX = 'var WasmBackendModuleThreadedSimd = ';
/** The file a worker that failed to load writes its error to, beside the scripts. */
export const LOAD_FAILED = 'load-failed';

/** `var require$$0 = require('fs');` lines at the top of the rollup bundle → name → module. */
export function bundleRequireNames(bundleSource: string): Map<string, string> {
  const names = new Map<string, string>();
  for (const m of bundleSource.matchAll(/^var (require\$\$\d+) = require\('([^']+)'\);$/gm)) names.set(m[1]!, m[2]!);
  return names;
}

// tslib's helpers, as TypeScript emits them for ES5 iteration (same semantics, shorter).
const TSLIB_HELPERS: Record<string, string> = {
  __values: 'function __values(o){var s=typeof Symbol==="function"&&Symbol.iterator,m=s&&o[s],i=0;if(m)return m.call(o);if(o&&typeof o.length==="number")return{next:function(){if(o&&i>=o.length)o=void 0;return{value:o&&o[i++],done:!o}}};throw new TypeError(s?"Object is not iterable.":"Symbol.iterator is not defined.")}',
  __read: 'function __read(o,n){var m=typeof Symbol==="function"&&o[Symbol.iterator];if(!m)return o;var i=m.call(o),r,ar=[];while((n===void 0||n-->0)&&!(r=i.next()).done)ar.push(r.value);return ar}',
  __spreadArray: 'function __spreadArray(to,from,pack){return to.concat(Array.prototype.slice.call(from))}',
};

export type ScriptResult = { ok: true; text: string } | { ok: false; reason: string };

/** The main script with a prelude for every bundler-introduced free name it uses. */
export function buildMainScript(blobText: string, requireNames: ReadonlyMap<string, string>): ScriptResult {
  if (!blobText.startsWith(MAIN_SCRIPT_PREFIX)) return { ok: false, reason: 'the main-script Blob does not define WasmBackendModuleThreadedSimd' };
  const prelude: string[] = [];
  const used = new Set(blobText.match(/\brequire\$\$\d+\b/g) ?? []);
  for (const name of [...used].sort()) {
    const mod = requireNames.get(name);
    if (!mod) return { ok: false, reason: `the factory uses ${name}, which the bundle header does not define` };
    prelude.push(`var ${name} = require(${JSON.stringify(mod)});`);
  }
  if (/\bcommonjsGlobal\b/.test(blobText)) prelude.push('var commonjsGlobal = globalThis;');
  // A tslib helper is a call of a `__name(` that the text does not define itself.
  const helpers = new Set([...blobText.matchAll(/(?<![\w$.])(__[a-z][A-Za-z]*)\(/g)].map((m) => m[1]!));
  for (const name of [...helpers].sort()) {
    if (new RegExp(`function ${name}\\b`).test(blobText)) continue;
    const body = TSLIB_HELPERS[name];
    if (!body) return { ok: false, reason: `the factory calls ${name}, a helper moec does not know` };
    prelude.push(body);
  }
  return { ok: true, text: `${prelude.join('\n')}\n${blobText}\n` };
}

/** The worker script, pointed at the main script's file and kept from crashing the process. */
export function buildWorkerScript(blobText: string, mainScriptPath: string): ScriptResult {
  const missing = WORKER_MARKERS.filter((m) => !blobText.includes(m));
  if (missing.length) return { ok: false, reason: `the pthread worker script changed (no ${missing.join(', ')})` };
  const postlude = `
;(function moecNodeWorker() {
  var mainScript = ${JSON.stringify(mainScriptPath)};
  URL.createObjectURL = function () { return mainScript; };
  URL.revokeObjectURL = function () {};
  var handle = self.onmessage;
  self.onmessage = function (e) {
    if (!e.data || e.data.cmd !== 'load') return handle(e);
    try { return handle(e); } catch (err) {
      try { require('fs').writeFileSync(require('path').join(require('path').dirname(mainScript), ${JSON.stringify(LOAD_FAILED)}), String(err && err.message || err), { flag: 'wx' }); } catch (_) {}
      process.exit(1);
    }
  };
})();
`;
  return { ok: true, text: blobText + postlude };
}
