import { describe, expect, it } from 'vitest';
import { buildIR } from '../../src/ir/build-ir.js';
import { createMemoryPlan } from '../../src/analysis/memory.js';
import { layerActivations, activationShape } from '../../src/analysis/activations.js';
import { createCommPlan } from '../../src/analysis/comms.js';
import { createPlacement } from '../../src/analysis/placement.js';
import type { ModelSpec } from '../../src/spec/types.js';
import { planSpec } from '../ir/fixtures.js';

describe('memory plan of a small layout, derived by hand', () => {
  // 4 layers on 2 stages; 8 experts over 4 expert ranks (2 each); data 4 → expert-data-parallel 1.
  // Per layer: norms 128, attention 4·64·64 = 16384, router 64·8 = 512, experts 8 × 3·64·128 = 196608.
  const ir = buildIR(planSpec).value;
  const plan = createMemoryPlan(ir);
  const [s0, s1] = plan.stages;

  it('places layers, embedding, head and experts', () => {
    const placement = createPlacement(ir);
    expect(placement.stages.map((s) => [s.layerText, s.extras.join('+')])).toEqual([
      ['0..1', 'embedding'],
      ['2..3', 'final norm+LM head'],
    ]);
    expect(placement.experts.map((e) => [e.first, e.last])).toEqual([[0, 1], [2, 3], [4, 5], [6, 7]]);
    expect(placement.expertDataParallel).toBe(1);
  });

  it('counts what each device holds', () => {
    expect(s0.params).toEqual({ dense: 64000 + 2 * (128 + 16384 + 512), expert: (2 * 196608) / 4 });
    expect(s1.params).toEqual({ dense: 2 * (128 + 16384 + 512) + 64 + 64000, expert: 98304 });
  });

  it('model states: bf16 weights and grads, fp32 master + Adam moments sharded by ZeRO-1', () => {
    expect(plan.bytesPerParam).toEqual({ weights: 2, grads: 2, optimizer: 12 });
    expect(s0.weights).toBe(2 * (98048 + 98304));
    expect(s0.grads).toBe(2 * (98048 + 98304));
    // non-expert optimizer state over 4 data ranks; expert state has no replica to shard over.
    expect(s0.optimizer).toBe((98048 * 12) / 4 + 98304 * 12);
  });

  it('activations: 1F1B in-flight micro-batches, scores, recomputation', () => {
    expect(plan.microBatches).toBe(4); // 32 / (4 data × micro_batch 2)
    expect([s0.inFlight, s1.inFlight]).toEqual([2, 1]);
    // T = 2 × 128 tokens, bf16. Per token: norm/attn/FFN inputs 2·4·64 + router logits+probs 8·8;
    // q, k, v, context 2·4·64; 2 routed copies × (input + output 2·2·64 + gate/up/product 3·128·2).
    const perToken = 2 * 4 * 64 + 64 + 2 * 4 * 64 + 2 * (4 * 64 + 3 * 128 * 2);
    const selective = 256 * perToken;
    const scores = 2 * 4 * 128 * 128 * 2;
    const layer = layerActivations(ir.layers[0], 64, activationShape(ir));
    expect(layer).toEqual({ none: selective + scores, selective, full: 256 * 2 * 64 });
    const embedOut = 256 * 2 * 64;
    expect(s0.activations.none).toBe(2 * (selective + scores) * 2 + embedOut);
    expect(s0.activations.full).toBe(2 * 32768 * 2 + embedOut + (selective + scores));
    // selective: the saved tensors of every in-flight layer + one layer's recomputed score matrix
    expect(s0.activations.selective).toBe(2 * selective * 2 + embedOut + scores);
    expect(s1.activations.none).toBe(2 * (selective + scores) + 256 * 2 * 64 + 256 * 1000 * 4);
    expect(s0.total).toBe(s0.weights + s0.grads + s0.optimizer + s0.activations.none);
    expect(s0.total).toBe(6_551_808);
    expect(plan.peak.stage).toBe(0);
  });

  it('ZeRO-3 shards weights, ZeRO-2 gradients', () => {
    const z3 = createMemoryPlan(buildIR({ ...planSpec, parallel: { ...planSpec.parallel, zero: 3 } }).value).stages[0];
    expect(z3.weights).toBe((2 * 98048) / 4 + 2 * 98304);
    expect(z3.grads).toBe(z3.weights);
  });

  it('communication per step', () => {
    const c = createCommPlan(ir, plan);
    // 4 × T × k × h × 2 B × (E−1)/E × 4 micro-batches
    expect(c.allToAllPerMoeLayer).toBe(4 * 256 * 2 * 64 * 2 * (3 / 4) * 4);
    expect(c.allToAllPerStep).toBe(2 * c.allToAllPerMoeLayer);
    expect(c.dataParallel.dense).toBe(((2 * 3) / 4) * 98048 * 2);
    expect(c.dataParallel.expert).toBe(0);
    expect(c.pipelinePerBoundary).toBe(2 * 256 * 64 * 2 * 4);
  });
});

describe('activations reproduce Korthikanti et al. 2022', () => {
  // A GPT layer: LayerNorm, MHA, GELU FFN of 4h, dropout, 16-bit activations.
  const gpt = (tensor: number, sp: boolean): ModelSpec => ({
    name: 'gpt',
    vocab: 1000,
    hidden: 256,
    layers: 2,
    context: 512,
    norm: { type: 'layernorm' },
    attention: { heads: 8 },
    dense: { ffn: 1024, activation: 'gelu' },
    parallel: { tensor, sequence_parallel: sp, micro_batch: 2 },
    train: { precision: 'bf16', dropout: 0.1 },
  });
  const [s, b, h, a] = [512, 2, 256, 8];
  const of = (spec: ModelSpec) => {
    const ir = buildIR(spec).value;
    return layerActivations(ir.layers[0], h, activationShape(ir));
  };
  it('sbh(34 + 5as/h) without parallelism', () => {
    expect(of(gpt(1, false)).none).toBe(s * b * h * (34 + (5 * a * s) / h));
    expect(of(gpt(1, false)).selective).toBe(s * b * h * 34);
  });
  it('sbh(10 + 24/t + 5as/(ht)) with tensor parallelism, sbh(34/t + 5as/(ht)) with sequence parallelism', () => {
    expect(of(gpt(4, false)).none).toBe(s * b * h * (10 + 24 / 4 + (5 * a * s) / (h * 4)));
    expect(of(gpt(4, true)).none).toBe(s * b * h * (34 / 4 + (5 * a * s) / (h * 4)));
  });
});

describe('recomputation never reads as costing more than keeping activations', () => {
  it('full ≤ selective ≤ none per stage, seq_len 64 to 128k', () => {
    for (const seq_len of [64, 4096, 131072]) {
      const ir = buildIR({ ...planSpec, context: 131072, train: { ...planSpec.train, seq_len } }).value;
      for (const st of createMemoryPlan(ir).stages) {
        expect(st.activations.full).toBeLessThanOrEqual(st.activations.selective);
        expect(st.activations.selective).toBeLessThanOrEqual(st.activations.none);
      }
    }
  });
});
