/**
 * tfjs-backend-wasm on several threads in Node (src/lower/tfjs/wasm-threads.ts): the pool
 * really has the threads asked for, the kernels XNNPACK parallelises give the same bits as on
 * one thread, Node's globals and the temp files are restored, and every way the threaded init
 * can fail ends on one thread with a reason — never a hang, never a crash, and the process
 * still exits by itself. No timings are asserted.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os, { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { activateWasm } from '../../../src/lower/tfjs/wasm-threads.js';
import { fillNormal } from '../../../src/weights/init-weights.js';

const require = createRequire(import.meta.url);
const root = mkdtempSync(join(tmpdir(), 'moec-threads-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function random(shape: number[], name: string): tf.Tensor {
  const a = new Float32Array(shape.reduce((x, y) => x * y, 1));
  fillNormal(a, 1, 5, name);
  return tf.tensor(a, shape);
}

/** The threaded kernels of tfjs-backend-wasm (src/cc: batch_mat_mul_impl, binary, unary, Softmax, sigmoid, PadV2, clamp) on odd shapes. */
function kernelOutputs(): Map<string, Float32Array> {
  const outputs = tf.tidy(() => {
    const a = random([257, 300], 'a');
    const b = random([300, 131], 'b');
    const c = random([3, 65, 40], 'c');
    const d = random([3, 40, 33], 'd');
    const out: Record<string, tf.Tensor> = {
      matMul: tf.matMul(a, b),
      matMulTransposed: tf.matMul(b, a, true, true),
      batchMatMul: tf.matMul(c, d),
      fusedMatMul: tf.fused.matMul({ a, b, bias: random([131], 'bias'), activation: 'relu' }),
      binary: tf.div(tf.mul(tf.add(a, 1.5), tf.sub(a, 0.25)), tf.add(tf.abs(a), 1)),
      unary: tf.sqrt(tf.abs(tf.neg(a))),
      softmax: tf.softmax(a),
      sigmoid: tf.sigmoid(a),
      pad: tf.pad(c, [[0, 1], [2, 3], [1, 0]], 0.5),
      clip: tf.clipByValue(a, -0.5, 0.7),
    };
    return out;
  });
  const values = new Map(Object.entries(outputs).map(([k, t]) => [k, t.dataSync() as Float32Array]));
  tf.dispose(Object.values(outputs));
  return values;
}

const bytes = (a: Float32Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

describe('wasm threads', () => {
  it('runs 2 threads that compute the same bits as 1, and leaves Node as it was', async () => {
    const natives = { Blob: globalThis.Blob, createObjectURL: URL.createObjectURL, cpus: os.cpus };
    let dir: string | undefined;
    const two = await activateWasm(2, { afterWrite: (f) => (dir = dirname(f.worker)) });
    expect(two).toEqual({ threads: 2, fallback: undefined });
    expect((await import('@tensorflow/tfjs-backend-wasm')).getThreadsCount()).toBe(2);
    expect(dir && existsSync(dir)).toBe(false);
    expect({ Blob: globalThis.Blob, createObjectURL: URL.createObjectURL, cpus: os.cpus }).toEqual(natives);
    const threaded = kernelOutputs();

    expect(await activateWasm(1)).toEqual({ threads: 1, fallback: undefined });
    const single = kernelOutputs();
    for (const [name, values] of single) expect(bytes(threaded.get(name)!).equals(bytes(values)), name).toBe(true);
  });

  it('falls back to one thread when tfjs changed its worker script', async () => {
    const editBlobText = (t: string) => t.replace('importScripts(objectUrl)', 'loadScript(objectUrl)');
    const r = await activateWasm(2, { editBlobText });
    expect(r).toEqual({ threads: 1, fallback: 'the pthread worker script changed (no importScripts(objectUrl))' });
    expect(tf.getBackend()).toBe('wasm');
    expect(tf.matMul(tf.ones([2, 3]), tf.ones([3, 2])).dataSync()).toEqual(Float32Array.of(3, 3, 3, 3));
  });

  it('falls back to one thread when tfjs renamed the factory it hands the workers', async () => {
    const r = await activateWasm(2, { editBlobText: (t) => t.replace(/^var WasmBackendModuleThreadedSimd = /, 'var WasmModule = ') });
    expect(r?.threads).toBe(1);
    expect(r?.fallback).toBe('tfjs asked for a worker before it built the main script');
  });

  it('falls back to one thread at once when the workers cannot load their script', async () => {
    const r = await activateWasm(2, { afterWrite: (f) => unlinkSync(f.main) });
    expect(r?.threads).toBe(1);
    expect(r?.fallback).toMatch(/^a worker thread could not load its script \(ENOENT: no such file or directory, open '.*main\.cjs'\)$/);
    expect(tf.sum(tf.ones([5])).dataSync()[0]).toBe(5);
  });

  it('falls back to one thread, without hanging, when the workers never report loaded', async () => {
    const r = await activateWasm(2, { timeoutMs: 3000, editBlobText: NEVER_LOADED });
    expect(r).toEqual({ threads: 1, fallback: 'its worker threads had not started after 3 s' });
  });
});

/** Workers that load but never say so: emscripten's init waits for them forever. */
const NEVER_LOADED = (t: string): string => t.replace('postMessage({"cmd":"loaded"})', '0');

/** Run a module in a fresh Node process, as `moec train` would: it must exit on its own. */
function runChild(body: string): { status: number | null; stdout: string; stderr: string } {
  const file = join(root, `child-${Math.random().toString(36).slice(2)}.mts`);
  const imports = [
    `import * as tf from ${JSON.stringify(pathToFileURL(require.resolve('@tensorflow/tfjs')).href)};`,
    `import { activateWasm } from ${JSON.stringify(pathToFileURL(resolve('src/lower/tfjs/wasm-threads.ts')).href)};`,
    `import { existsSync, unlinkSync } from 'node:fs';`,
    `import { dirname } from 'node:path';`,
  ];
  writeFileSync(file, `${imports.join('\n')}\n${body}\n`);
  // The guard only stops a hang from blocking the suite; the assertion is on the exit status.
  const r = spawnSync(process.execPath, ['--import', 'tsx', file], { encoding: 'utf8', timeout: 110_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('a process with wasm threads', () => {
  it('exits by itself once its work is done (the pool workers do not hold it)', () => {
    const r = runChild("const s = await activateWasm(2);\nconsole.log(JSON.stringify(s), tf.matMul(tf.ones([64, 64]), tf.ones([64, 64])).dataSync()[0]);");
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe('{"threads":2} 64');
  });

  it('exits by itself after falling back from workers that died loading, and leaves no temp files', () => {
    const r = runChild(
      "let dir = '';\nconst s = await activateWasm(2, { afterWrite: (f) => { dir = dirname(f.main); unlinkSync(f.main); } });\n" +
        "console.log(s.threads, tf.sum(tf.ones([3])).dataSync()[0], existsSync(dir));",
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe('1 3 false');
  });

  it('exits by itself after timing out on workers that never loaded', () => {
    const r = runChild(`const s = await activateWasm(2, { timeoutMs: 3000, editBlobText: ${NEVER_LOADED.toString()} });\nconsole.log(s.threads, s.fallback);`);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe('1 its worker threads had not started after 3 s');
  });
});
