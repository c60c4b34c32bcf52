/**
 * The granitemoe bridge beyond the golden fixture (golden-parity.test.ts and round-trip.test.ts
 * run `granitemoe-multipliers-tied` on both targets): each Granite multiplier is read into its
 * moec key as modeling_granitemoe.py @ 023633dd applies it, the class defaults apply (every
 * multiplier 1.0 — so the softmax scale is 1.0, not 1/√head_dim), the export writes them back
 * as `granitemoe`, and every other model_type refuses a spec that has them. granitemoeshared
 * (golden fixture `granitemoeshared-bias-defaults`) adds the shared MLP.
 */
import { describe, expect, it } from 'vitest';
import { exportConfig } from '../../../src/interop/hf/export-config.js';
import { importConfig, importConfigObject } from '../../../src/interop/hf/import-config.js';
import { loadModel } from '../../../src/pipeline.js';

const TINY = {
  model_type: 'granitemoe', vocab_size: 64, hidden_size: 32, intermediate_size: 16, num_hidden_layers: 2, num_attention_heads: 4,
  num_key_value_heads: 2, num_local_experts: 4, num_experts_per_tok: 2, max_position_embeddings: 128,
};
const imp = (config: Record<string, unknown>) => importConfigObject('config.json', config as never);

describe('granitemoe (IBM Granite MoE)', () => {
  it('reads the four multipliers into scaling.* and attention.softmax_scale', () => {
    const r = importConfig('test/fixtures/hf/granitemoe-multipliers-tied');
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const ir = r.value!.ir;
    expect(ir.scaling).toEqual({ embedding: 4, residual: 0.5, logitsDivisor: 2 });
    expect(ir.layers[0]!.attention).toMatchObject({ kind: 'gqa', headDim: 8, scale: 0.125, qkvBias: false, outBias: false });
    expect(ir.layers[1]!.ffn).toMatchObject({ kind: 'moe', experts: 6, router: { topK: 2, score: 'softmax', normTopK: true } });
    expect(ir.tieEmbeddings).toBe(true);
  });

  it('applies the class defaults: multipliers 1.0, so attention is scaled by 1.0, not 1/√head_dim', () => {
    const ir = imp(TINY).value!.ir;
    expect(ir.scaling).toBeUndefined();
    expect(ir.layers[0]!.attention.scale).toBe(1);
  });

  it('granitemoeshared: the shared MLP is one ungated shared expert of width shared_intermediate_size; 0 builds none', () => {
    const r = importConfig('test/fixtures/hf/granitemoeshared-bias-defaults');
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const ir = r.value!.ir;
    expect(ir.layers[0]!.ffn).toMatchObject({ kind: 'moe', experts: 5, shared: { count: 1, ffn: 20, gate: false, activation: 'swiglu' } });
    expect(ir.layers[0]!.attention).toMatchObject({ kind: 'mqa', scale: 1, qkvBias: true, outBias: true });
    expect(ir.scaling).toEqual({ embedding: 12, residual: 0.22, logitsDivisor: 3 });
    const none = imp({ ...TINY, model_type: 'granitemoeshared', shared_intermediate_size: 0 }).value!.ir;
    expect(none.layers[0]!.ffn).not.toHaveProperty('shared');
    expect(exportConfig(ir).value!.text).toContain('"shared_intermediate_size": 20');
  });

  it('refuses a multiplier that is not a positive number', () => {
    const codes = imp({ ...TINY, residual_multiplier: -0.5, logits_scaling: 0 }).diagnostics.map((d) => `${d.code} ${d.message}`);
    expect(codes).toContainEqual(expect.stringMatching(/^MOE7002 .*`residual_multiplier`/));
    expect(codes).toContainEqual(expect.stringMatching(/^MOE7002 .*`logits_scaling`/));
  });

  it('exports granitemoe with the multipliers as Python floats', () => {
    const ir = importConfig('test/fixtures/hf/granitemoe-multipliers-tied').value!.ir;
    const e = exportConfig(ir).value!;
    expect(e.type.modelType).toBe('granitemoe');
    expect(e.text).toContain('"attention_multiplier": 0.125');
    expect(e.text).toContain('"embedding_multiplier": 4.0');
    expect(e.text).toContain('"residual_multiplier": 0.5');
    expect(e.text).toContain('"logits_scaling": 2.0');
  });

  it('every other model_type refuses the multipliers; a spec without them never exports as granitemoe', () => {
    const ir = importConfig('test/fixtures/hf/granitemoe-multipliers-tied').value!.ir;
    const r = exportConfig(ir, { modelType: 'mixtral' });
    const text = r.diagnostics.map((d) => d.message).join('\n');
    expect(text).toMatch(/attention\.softmax_scale 0\.125.*1\/√head_dim/);
    expect(text).toMatch(/scaling\.embedding 4/);
    expect(text).toMatch(/scaling\.logits_divisor 2/);
    const mixtral = loadModel('specs/mixtral-8x7b.moe', { memoryFit: false }).ir!;
    expect(exportConfig(mixtral).value!.type.modelType).toBe('mixtral');
  });
});
