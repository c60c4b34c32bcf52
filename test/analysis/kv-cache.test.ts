/**
 * KV-cache sizes against published figures: Mixtral-8x7B (GQA 8 kv heads × 128, 32 layers:
 * 128 KiB per token in 16-bit), DeepSeek-V3's MLA latent (61 × (512 + 64) elements: the ~70 KB
 * per token DeepSeek reports) against its per-head cache (61 × 128 × (192 + 128)); sliding-window
 * layers capped at their window; per device, tensor ranks splitting kv heads (at least one each),
 * pipeline stages holding their layers, context ranks splitting the sequence.
 */
import { describe, expect, it } from 'vitest';
import { createKvCachePlan } from '../../src/analysis/kv-cache.js';
import { buildIR } from '../../src/ir/build-ir.js';
import type { ModelSpec } from '../../src/spec/types.js';
import { deepseekV3Spec, mixtralSpec, tinySpec } from '../ir/fixtures.js';

const plan = (spec: ModelSpec) => createKvCachePlan(buildIR(spec).value);

describe('KV-cache size', () => {
  it('Mixtral-8x7B: 2 · 8 · 128 · 32 elements per token = 128 KiB in 16-bit', () => {
    const k = plan(mixtralSpec);
    expect(k.exported.perToken).toBe(2 * 8 * 128 * 32);
    expect(k.exported.perToken * k.bytes.half).toBe(128 * 1024);
    expect(k.exported.atContext).toBe(k.exported.perToken * 32768);
    expect(k.latent).toBeUndefined();
  });

  it('DeepSeek-V3: latent 61 · 576 elements (≈ 70 KB/token 16-bit); exported per-head 61 · 128 · 320', () => {
    const k = plan(deepseekV3Spec);
    expect(k.attention).toBe('mla');
    expect(k.latent!.perToken).toBe(61 * (512 + 64));
    expect(Math.round((k.latent!.perToken * 2) / 1000)).toBe(70);
    expect(k.exported.perToken).toBe(61 * 128 * (192 + 128));
  });

  it('sliding-window layers are capped at their window in the windowed figure only', () => {
    const spec: ModelSpec = { ...tinySpec, layers: 4, attention: { ...tinySpec.attention, window: 16, window_layers: [0, 2] } };
    const k = plan(spec);
    const perLayer = 2 * 2 * 16;
    expect(k.exported.atContext).toBe(4 * perLayer * 128);
    expect(k.exported.windowedAtContext).toBe(2 * perLayer * 16 + 2 * perLayer * 128);
  });

  it('per device: tensor ranks split kv heads (one at least), stages hold their layers, context splits the sequence', () => {
    const base = { ...mixtralSpec, parallel: { tensor: 4, pipeline: 4, context: 2, data: 1 } } as ModelSpec;
    const k = plan(base);
    expect(k.perDevice.map((s) => s.layers)).toEqual([8, 8, 8, 8]);
    expect(k.perDevice[0].perToken).toBe((8 * 2 * 8 * 128) / 4);
    expect(k.perDevice[0].atContext).toBe((k.perDevice[0].perToken * 32768) / 2);
    const wide = plan({ ...mixtralSpec, parallel: { tensor: 16, data: 1 } } as ModelSpec);
    expect(wide.perDevice[0].perToken).toBe(32 * 2 * 1 * 128); // one kv head per rank, replicated
  });
});
