import { describe, expect, it } from 'vitest';
import { buildIR } from '../../src/ir/build-ir.js';
import type { ModelSpec } from '../../src/spec/types.js';
import { tinySpec } from './fixtures.js';

describe('buildIR on the tiny spec', () => {
  const { value: ir, diagnostics } = buildIR(tinySpec);

  it('resolves without diagnostics', () => {
    expect(diagnostics).toEqual([]);
  });

  it('names every tensor with its shape, in IR order', () => {
    const layer = (i: number): string[] => [
      `layers.${i}.input_norm.weight [64]`,
      `layers.${i}.attn.q_proj.weight [64,64]`,
      `layers.${i}.attn.k_proj.weight [64,32]`,
      `layers.${i}.attn.v_proj.weight [64,32]`,
      `layers.${i}.attn.o_proj.weight [64,64]`,
      `layers.${i}.post_attn_norm.weight [64]`,
      `layers.${i}.moe.router.weight [64,4]`,
      ...[0, 1, 2, 3].flatMap((e) => [
        `layers.${i}.moe.experts.${e}.gate_proj.weight [64,128]`,
        `layers.${i}.moe.experts.${e}.up_proj.weight [64,128]`,
        `layers.${i}.moe.experts.${e}.down_proj.weight [128,64]`,
      ]),
      `layers.${i}.moe.shared.gate_proj.weight [64,64]`,
      `layers.${i}.moe.shared.up_proj.weight [64,64]`,
      `layers.${i}.moe.shared.down_proj.weight [64,64]`,
    ];
    expect(ir.tensors.map((t) => `${t.name} [${t.shape.join(',')}]`)).toEqual([
      'embed_tokens.weight [256,64]',
      ...layer(0),
      ...layer(1),
      'norm.weight [64]',
      'lm_head.weight [64,256]',
    ]);
  });

  it('fills defaults and expands layers', () => {
    expect(ir.layers.map((l) => l.ffn.kind)).toEqual(['moe', 'moe']);
    const a = ir.layers[0].attention;
    expect(a).toMatchObject({ kind: 'gqa', heads: 4, kvHeads: 2, headDim: 16, vHeadDim: 16, qkvBias: false, sinks: false });
    expect(a.rope).toEqual({ theta: 10000, dim: 16, scaling: 'none', factor: 1 });
    const f = ir.layers[1].ffn;
    if (f.kind !== 'moe') throw new Error('expected moe');
    expect(f.router).toMatchObject({ topK: 2, groups: 1, topGroups: 1, scaling: 1, capacityFactor: 1.5, overflow: 'drop', biasUpdate: 0 });
    expect(f.shared).toEqual({ count: 1, ffn: 64, activation: 'swiglu', bias: false, gate: false });
    expect(ir.norm).toEqual({ type: 'rmsnorm', eps: 1e-6, bias: false });
    expect(ir.train).toMatchObject({ seqLen: 64, precision: 'fp32', checkpointing: 'none', gradClip: 1, gradAccum: 1 });
    expect(ir.train.schedule).toEqual({ type: 'constant', warmup: 0, minLr: 3e-3, decaySteps: 200 });
    expect(ir.parallel).toMatchObject({ world: 1, data: 1, tensor: 1, pipeline: 1, expert: 1, zero: 0, microBatch: 1 });
    expect(ir.quantize.experts).toEqual({ dtype: 'fp32', granularity: 'tensor', symmetric: true });
    expect(ir.mtpDepth).toBe(0);
    expect(ir.mtpLayers).toEqual([]);
  });

  it('initializes weights, norms and scaled output projections', () => {
    const by = new Map(ir.tensors.map((t) => [t.name, t]));
    expect(by.get('layers.0.attn.q_proj.weight')!.init).toEqual({ kind: 'normal', std: 0.02 });
    expect(by.get('layers.0.attn.o_proj.weight')!.init).toEqual({ kind: 'normal', std: 0.02 / Math.sqrt(4) });
    expect(by.get('norm.weight')!.init).toEqual({ kind: 'ones' });
    expect(by.get('layers.1.moe.experts.3.down_proj.weight')).toMatchObject({ group: 'experts', expert: 3, layer: 1 });
  });

  it('is deterministic and hashes the spec independent of key order', () => {
    const again = buildIR(JSON.parse(JSON.stringify(tinySpec)) as ModelSpec).value;
    expect(again).toEqual(ir);
    const reordered = Object.fromEntries(Object.entries(tinySpec).reverse()) as unknown as ModelSpec;
    expect(buildIR(reordered).value.specHash).toBe(ir.specHash);
    expect(buildIR({ ...tinySpec, vocab: 257 }).value.specHash).not.toBe(ir.specHash);
  });

  it('Granite scaling and softmax_scale: stated defaults keep the architecture hash, other values change it', () => {
    const stated: ModelSpec = {
      ...tinySpec,
      scaling: { embedding: 1, residual: 1, logits_divisor: 1 },
      attention: { ...tinySpec.attention, softmax_scale: 1 / Math.sqrt(ir.layers[0]!.attention.headDim) },
    };
    const same = buildIR(stated).value;
    expect(same.scaling).toBeUndefined();
    expect(same.architectureHash).toBe(ir.architectureHash);
    const granite = buildIR({ ...tinySpec, scaling: { residual: 0.22 }, attention: { ...tinySpec.attention, softmax_scale: 0.015625 } }).value;
    expect(granite.scaling).toEqual({ embedding: 1, residual: 0.22, logitsDivisor: 1 });
    expect(granite.layers.every((l) => l.attention.scale === 0.015625)).toBe(true);
    expect(granite.architectureHash).not.toBe(ir.architectureHash);
  });
});

describe('buildIR on a spec too large to enumerate', () => {
  it('refuses with MOE4008 at once instead of building millions of tensor records', () => {
    const spec: ModelSpec = structuredClone(tinySpec);
    spec.layers = 10_000;
    spec.moe!.experts.count = 65_536;
    const started = Date.now();
    const { diagnostics } = buildIR(spec);
    expect(diagnostics.map((d) => d.code)).toEqual(['MOE4008']);
    expect(diagnostics[0]!.message).toContain('10000 layers × 65536 experts');
    // A hang detector, not a timing target: enumerating would take minutes and gigabytes.
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
