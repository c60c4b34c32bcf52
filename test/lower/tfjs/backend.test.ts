/** Backend selection: fallbacks when the native packages are absent, and the precision warning. */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { selectBackend } from '../../../src/lower/tfjs/backend.js';

describe('selectBackend', () => {
  it('auto picks the fastest backend that loads (wasm here: tfjs-node is not installed)', async () => {
    const sel = await selectBackend('auto');
    expect(sel.kind).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(sel.details).toContain('simd=true');
    expect(sel.warnings).toEqual([]);
  });

  it('an explicit node / node-gpu request falls back to wasm with MOE6000', async () => {
    for (const pref of ['node', 'node-gpu'] as const) {
      const sel = await selectBackend(pref);
      expect(sel.kind).toBe('wasm');
      expect(sel.warnings.map((d) => d.code)).toEqual(['MOE6000']);
      expect(sel.warnings[0]!.message).toContain(`@tensorflow/tfjs-${pref} is not installed`);
    }
  });

  it('honours cpu', async () => {
    const sel = await selectBackend('cpu');
    expect(sel.backend).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
  });

  it('warns that bf16/fp16 training runs in fp32', async () => {
    const sel = await selectBackend('wasm', { precision: 'bf16' });
    expect(sel.warnings.map((d) => d.code)).toEqual(['MOE6511']);
    expect(sel.warnings[0]!.message).toContain('bf16');
    expect((await selectBackend('wasm', { precision: 'fp32' })).warnings).toEqual([]);
  });
});
