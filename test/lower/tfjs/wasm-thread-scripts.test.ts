/**
 * The threaded-wasm scripts (src/lower/tfjs/wasm-thread-scripts.ts): the text rewrites, their
 * refusals, and the facts about the installed tfjs-backend-wasm that moec's threads rely on.
 * When an upgrade of tfjs-backend-wasm changes one of those facts, a test here names it.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { buildMainScript, buildWorkerScript, bundleRequireNames, MAIN_SCRIPT_PREFIX, WORKER_MARKERS } from '../../../src/lower/tfjs/wasm-thread-scripts.js';

const require = createRequire(import.meta.url);
const bundle = readFileSync(require.resolve('@tensorflow/tfjs-backend-wasm'), 'utf8');
// As tfjs puts it in its Blob: backend_wasm.ts escapes newlines first (`replace(/\n/g, '\\n')`).
const workerContents = (JSON.parse(/^var wasmWorkerContents = (".*");$/m.exec(bundle)?.[1] ?? '""') as string).replace(/\n/g, '\\n');

describe('the installed tfjs-backend-wasm (4.22) is the one moec was written against', () => {
  it('disables threads under Node only through the WASM_HAS_MULTITHREAD_SUPPORT flag', () => {
    expect(bundle).toMatch(/registerFlag\('WASM_HAS_MULTITHREAD_SUPPORT'[\s\S]{0,400}ENV\.get\('IS_NODE'\)/);
  });
  it('hands the worker and the main script over as Blobs', () => {
    expect(bundle).toContain("new Blob([response], { type: 'application/javascript' });\n                                    return URL.createObjectURL(blob);");
    expect(bundle).toContain(`factoryConfig.mainScriptUrlOrBlob = new Blob(["${MAIN_SCRIPT_PREFIX}" +`);
  });
  it('has a worker script with every call the postlude redirects', () => {
    for (const m of WORKER_MARKERS) expect(workerContents).toContain(m);
  });
  it('sizes the pool from os.cpus() and honours setThreadsCount through init_with_threads_count', () => {
    expect(bundle).toContain('function _emscripten_num_logical_cores() { if (ENVIRONMENT_IS_NODE)\n                return require$$4.cpus().length;');
    expect(bundle).toContain("_this.wasm.tfjs.initWithThreadsCount(threadsCount);");
    expect(bundle).toContain('var pthreadPoolSize = 8;');
  });
  it('refs a worker while it runs a pthread (why moec unrefs them after init)', () => {
    expect(bundle).toMatch(/worker\.runPthread = function \(\) \{ if \(ENVIRONMENT_IS_NODE\) \{\s*worker\.ref\(\);/);
    expect(bundle).toContain('Module["PThread"] = PThread;');
  });
  it('names its top-level requires require$$N', () => {
    expect(bundleRequireNames(bundle)).toEqual(new Map([['require$$0', 'fs'], ['require$$1', 'path'], ['require$$3', 'perf_hooks'], ['require$$4', 'os']]));
  });
});

describe('buildMainScript', () => {
  const names = new Map([['require$$0', 'fs'], ['require$$4', 'os']]);
  it('defines the free names the factory uses, and only those', () => {
    const text = `${MAIN_SCRIPT_PREFIX}function (M) { var fs = require$$0; commonjsGlobal.x = 1; for (var i = __values([1]);;) break; return M; }`;
    const r = buildMainScript(text, names);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.text).toContain('var require$$0 = require("fs");');
    expect(r.text).not.toContain('require$$4');
    expect(r.text).toContain('var commonjsGlobal = globalThis;');
    expect(r.text).toContain('function __values(');
    expect(r.text.endsWith(`${text}\n`)).toBe(true);
    // The prelude is valid JavaScript that defines what it claims.
    const g = new Function('require', `${r.text.replace(text, '')}; return [typeof require$$0.readFileSync, commonjsGlobal === globalThis, [...{ [Symbol.iterator]: () => __values([4, 5]) }]];`);
    expect(g(require)).toEqual(['function', true, [4, 5]]);
  });
  it('leaves alone helpers the text defines itself and method calls', () => {
    const r = buildMainScript(`${MAIN_SCRIPT_PREFIX}function (M) { function __own(a) { return a; } M.__other(1); return __own(M); }`, names);
    expect(r.ok).toBe(true);
  });
  it('refuses a require$$N the bundle header does not define', () => {
    expect(buildMainScript(`${MAIN_SCRIPT_PREFIX}function () { return require$$9; }`, names)).toEqual({
      ok: false,
      reason: 'the factory uses require$$9, which the bundle header does not define',
    });
  });
  it('refuses an unknown bundler helper rather than let a worker die on a ReferenceError', () => {
    const r = buildMainScript(`${MAIN_SCRIPT_PREFIX}function () { return __awaiter(this); }`, names);
    expect(r).toEqual({ ok: false, reason: 'the factory calls __awaiter, a helper moec does not know' });
  });
  it('refuses a Blob that is not the factory', () => {
    expect(buildMainScript('console.log(1)', names).ok).toBe(false);
  });
});

describe('buildWorkerScript', () => {
  it('appends the postlude that points the worker at the main script file', () => {
    const r = buildWorkerScript(workerContents, '/tmp/x/main.cjs');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.text.startsWith(workerContents)).toBe(true);
    expect(r.text).toContain('var mainScript = "/tmp/x/main.cjs";');
    expect(() => new Function(r.text)).not.toThrow();
  });
  it('refuses a worker script without the calls it redirects', () => {
    const r = buildWorkerScript(workerContents.replace('importScripts(objectUrl)', 'loadScript(objectUrl)'), '/m.cjs');
    expect(r).toEqual({ ok: false, reason: 'the pthread worker script changed (no importScripts(objectUrl))' });
  });
});
