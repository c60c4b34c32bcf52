/**
 * `moec explain`'s LoRA summary (src/analysis/lora.ts): adapter counts against a hand count for
 * Mixtral 8x7B (rank 16 on q/k/v/o and every expert's w1/w2/w3, as PEFT would add them), and
 * the gradient/optimizer bytes from the memory plan's per-parameter figures.
 */
import { describe, expect, it } from 'vitest';
import { createLoraSummary } from '../../src/analysis/lora.js';
import { createMemoryPlan } from '../../src/analysis/memory.js';
import { loadModel } from '../../src/pipeline.js';
import { resolveLora } from '../../src/ir/defaults.js';

describe('LoRA summary', () => {
  it('counts Mixtral 8x7B adapters as PEFT adds them', () => {
    const ir = loadModel('specs/mixtral-8x7b.moe', { memoryFit: false }).ir!;
    ir.train.lora = resolveLora({ rank: 16, alpha: 32, targets: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'experts'] }, ir.layers.length);
    const s = createLoraSummary(ir, createMemoryPlan(ir))!;
    // Per layer: q, o 4096→4096; k, v 4096→1024; 8 experts × (w1, w3: 4096→14336; w2: 14336→4096).
    const perLayer = 2 * 16 * (4096 + 4096) + 2 * 16 * (4096 + 1024) + 8 * 3 * 16 * (4096 + 14336);
    expect(s.trainable).toBe(32 * perLayer);
    expect(s.modules).toBe(32 * (4 + 8 * 3));
    expect(s.scale).toBe(2);
    const b = createMemoryPlan(ir).bytesPerParam;
    expect(s.fullTraining.optimizer).toBe(s.base * b.optimizer);
    expect(s.loraTraining.grads).toBe(s.trainable * b.grads);
    expect(s.saved).toBe(s.base * (b.grads + b.optimizer) - s.trainable * (b.grads + b.optimizer + b.weights));
    expect(s.base).toBeGreaterThan(46e9);
  });

  it('is absent without a train.lora block', () => {
    const ir = loadModel('specs/tiny.moe', { memoryFit: false }).ir!;
    expect(createLoraSummary(ir, createMemoryPlan(ir))).toBeUndefined();
  });
});
