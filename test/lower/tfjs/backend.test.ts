/** Backend selection: fallbacks when the optional packages are absent or find no device, threads, and the precision warning. */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { checkThreads, selectBackend } from '../../../src/lower/tfjs/backend.js';
import { availableWasmThreads } from '../../../src/lower/tfjs/wasm-threads.js';

describe('selectBackend', () => {
  it('auto picks the fastest backend that loads (wasm here: tfjs-node is not installed), on every available core', async () => {
    const sel = await selectBackend('auto');
    expect(sel.kind).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(sel.details).toEqual(['simd=true', `threads=${availableWasmThreads()}`]);
    expect(sel.threads).toBe(availableWasmThreads());
    expect(sel.warnings).toEqual([]);
  });

  it('runs wasm on the threads asked for, and says so', async () => {
    for (const threads of [2, 1]) {
      const sel = await selectBackend('wasm', { threads });
      expect(sel.threads).toBe(threads);
      expect(sel.details).toContain(`threads=${threads}`);
      expect(sel.warnings).toEqual([]);
    }
  });

  it('an explicit node / node-gpu request falls back to wasm with MOE6000', async () => {
    for (const pref of ['node', 'node-gpu'] as const) {
      const sel = await selectBackend(pref);
      expect(sel.kind).toBe('wasm');
      expect(sel.warnings.map((d) => d.code)).toEqual(['MOE6000']);
      expect(sel.warnings[0]!.message).toContain(`@tensorflow/tfjs-${pref} is not installed`);
    }
  });

  it('webgpu without a usable GPU falls back to wasm with MOE6000 saying why (no GPU here)', async () => {
    const sel = await selectBackend('webgpu');
    expect(sel.kind).toBe('wasm');
    expect(sel.warnings.map((d) => d.code)).toEqual(['MOE6000']);
    // With the optional packages installed (npm's default) Dawn loads and finds no adapter;
    // without them, the reason names the missing package.
    expect(sel.warnings[0]!.message).toMatch(/backend `webgpu` is not available \((Dawn found no GPU adapter: .*|webgpu is not installed|webgpu failed to load: .*)\); using `wasm`/);
    expect(sel.warnings[0]!.hint).toMatch(/libvulkan1|install the optional dependencies/);
  });

  it('with fallback off, an unusable backend is error MOE6033', async () => {
    const sel = await selectBackend('webgpu', { fallback: false });
    expect(sel.warnings.map((d) => [d.code, d.severity])).toEqual([['MOE6033', 'error']]);
    expect(sel.warnings[0]!.message).toContain('--no-backend-fallback forbids running on `wasm` instead');
    expect((await selectBackend('wasm', { fallback: false })).warnings).toEqual([]);
  });

  it('honours cpu, and warns that --threads does not apply to it (MOE6031)', async () => {
    const sel = await selectBackend('cpu');
    expect(sel.backend).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(sel.threads).toBeUndefined();
    expect((await selectBackend('cpu', { threads: 1 })).warnings.map((d) => d.code)).toEqual(['MOE6031']);
  });

  it('warns that bf16/fp16 training runs in fp32', async () => {
    const sel = await selectBackend('wasm', { precision: 'bf16' });
    expect(sel.warnings.map((d) => d.code)).toEqual(['MOE6511']);
    expect(sel.warnings[0]!.message).toContain('bf16');
    expect((await selectBackend('wasm', { precision: 'fp32' })).warnings).toEqual([]);
  });
});

describe('checkThreads', () => {
  it('accepts 1 to the available cores (at most 8), and nothing else (MOE6030)', () => {
    const max = availableWasmThreads();
    expect(checkThreads(undefined)).toEqual([]);
    expect(checkThreads(1)).toEqual([]);
    expect(checkThreads(max)).toEqual([]);
    for (const bad of [0, max + 1, 1.5, 9]) {
      const d = checkThreads(bad);
      expect(d.map((x) => [x.code, x.severity]), String(bad)).toEqual([['MOE6030', 'error']]);
      expect(d[0]!.message).toContain(`the wasm backend can use 1 to ${max} threads`);
    }
  });
});
