/**
 * The emitted model as a whole: the tiny spec and fused-op variants against the reference
 * forward pass (fp32 tolerance 1e-4), the fused op's fallback warning, determinism,
 * IR-named initializers, dynamic batch/sequence, and capacity dropping really dropping.
 */
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../../src/diagnostics/diagnostic.js';
import { emitOnnxModel } from '../../../src/lower/onnx/emit-model.js';
import type { ValueInfoProto } from '../../../src/lower/onnx/graph-builder.js';
import { testIds, testWeights } from '../../reference/cases.js';
import { referenceForward } from '../../reference/reference-forward.js';
import { encode, maxAbsDiff, runLogits } from './helpers.js';
import { fusableSpec, irOf, tinySpec } from './variants.js';

const TOL = 1e-4;

describe('tiny spec and fused MoE', () => {
  const tiny = irOf(tinySpec);
  const weights = testWeights(tiny);

  for (const moe of ['sparse', 'dense'] as const) {
    it(`specs/tiny (${moe}) matches the reference`, async () => {
      const ids = testIds(tiny.vocab, 2, 24);
      const err = maxAbsDiff(await runLogits(encode(emitOnnxModel(tiny, weights, { moe })), ids), referenceForward(tiny, weights, ids));
      console.log(`tiny ${moe}: max abs error ${err.toExponential(2)}`);
      expect(err).toBeLessThan(TOL);
    });
  }

  for (const act of ['swiglu', 'clamped_swiglu', 'silu', 'relu'] as const) {
    it(`com.microsoft.MoE (${act}, shared expert, scaling folded into FC2) matches the reference`, async () => {
      const ir = irOf(fusableSpec(act));
      const w = testWeights(ir);
      const diagnostics: Diagnostic[] = [];
      const model = emitOnnxModel(ir, w, { moe: 'fused', diagnostics });
      expect(diagnostics).toEqual([]);
      expect(model.graph!.node!.filter((n) => n.opType === 'MoE')).toHaveLength(2);
      const ids = testIds(ir.vocab, 2, 9);
      const err = maxAbsDiff(await runLogits(encode(model), ids), referenceForward(ir, w, ids));
      console.log(`fused ${act}: max abs error ${err.toExponential(2)}`);
      expect(err).toBeLessThan(TOL);
    });
  }

  it('fused falls back to sparse with MOE5001 where the op cannot express the block', async () => {
    const diagnostics: Diagnostic[] = [];
    const model = emitOnnxModel(tiny, weights, { moe: 'fused', diagnostics });
    expect(diagnostics.map((d) => d.code)).toEqual(['MOE5001']);
    expect(diagnostics[0].message).toContain('capacity drop');
    expect(model.graph!.node!.some((n) => n.opType === 'MoE')).toBe(false);
    const ids = testIds(tiny.vocab, 1, 8);
    expect(maxAbsDiff(await runLogits(encode(model), ids), referenceForward(tiny, weights, ids))).toBeLessThan(TOL);
  });

  it('is deterministic: two emissions give the same bytes', () => {
    const ir = irOf({ ...tinySpec, quantize: { experts: { dtype: 'int4', block: 32 }, attention: { dtype: 'int8' } } });
    const a = encode(emitOnnxModel(ir, testWeights(ir)));
    const b = encode(emitOnnxModel(irOf({ ...tinySpec, quantize: { experts: { dtype: 'int4', block: 32 }, attention: { dtype: 'int8' } } }), testWeights(ir)));
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
  });

  it('names initializers as the IR names its tensors; input_ids and logits are dynamic', () => {
    const model = emitOnnxModel(tiny, weights);
    const names = new Set(model.graph!.initializer!.map((t) => t.name));
    for (const t of tiny.tensors) expect(names.has(t.name), t.name).toBe(true);
    const dims = (v: ValueInfoProto) => v.type!.tensorType!.shape!.dim!.map((d) => d.dimParam || Number(d.dimValue));
    expect(model.graph!.input!.map((i) => [i.name, dims(i)])).toEqual([['input_ids', ['batch', 'seq']]]);
    expect(model.graph!.output!.map((o) => [o.name, dims(o)])).toEqual([['logits', ['batch', 'seq', tiny.vocab]]]);
  });

  it('runs on any batch and sequence length, each sequence independent of the others', async () => {
    const bytes = encode(emitOnnxModel(tiny, weights));
    const ids = testIds(tiny.vocab, 3, 5);
    const all = await runLogits(bytes, ids);
    const one = await runLogits(bytes, [ids[1]]);
    // Capacity is per batch, so compare on a capacity-free model for independence.
    const free = irOf({ ...tinySpec, moe: { ...tinySpec.moe!, router: { ...tinySpec.moe!.router, capacity_factor: undefined, overflow: undefined } } });
    const freeBytes = encode(emitOnnxModel(free, weights));
    const batched = await runLogits(freeBytes, ids);
    const single = await runLogits(freeBytes, [ids[1]]);
    const V = tiny.vocab;
    expect(all.length).toBe(3 * 5 * V);
    expect(one.length).toBe(5 * V);
    expect(maxAbsDiff(batched.subarray(5 * V, 10 * V), single)).toBeLessThan(1e-5);
  });

  it('capacity drop really drops assignments (logits differ from no_drop, and match the reference)', async () => {
    const spec = (overflow: 'drop' | 'no_drop') => ({
      ...tinySpec,
      moe: { ...tinySpec.moe!, router: { ...tinySpec.moe!.router, capacity_factor: 0.5, overflow } },
    });
    const drop = irOf(spec('drop'));
    const keep = irOf(spec('no_drop'));
    const ids = testIds(tiny.vocab, 2, 16);
    const a = await runLogits(encode(emitOnnxModel(drop, weights)), ids);
    const b = await runLogits(encode(emitOnnxModel(keep, weights)), ids);
    expect(maxAbsDiff(a, b)).toBeGreaterThan(1e-2);
    expect(maxAbsDiff(a, referenceForward(drop, weights, ids))).toBeLessThan(TOL);
    expect(maxAbsDiff(b, referenceForward(keep, weights, ids))).toBeLessThan(TOL);
  });

  it('warns about what the graph does not lower (fp16 activations, blocked int8 with int8 activations), not about YaRN', () => {
    const codes = (spec: typeof tinySpec): string[] => {
      const diagnostics: Diagnostic[] = [];
      const ir = irOf(spec);
      emitOnnxModel(ir, testWeights(ir), { diagnostics });
      return diagnostics.map((d) => d.code);
    };
    expect(codes({ ...tinySpec, attention: { ...tinySpec.attention, rope: { scaling: 'yarn', factor: 4 } } })).toEqual([]);
    expect(codes({ ...tinySpec, quantize: { activations: { dtype: 'fp16' } } })).toEqual(['MOE5002']);
    expect(codes({ ...tinySpec, quantize: { default: { dtype: 'int8', block: 32 }, activations: { dtype: 'int8' } } })).toEqual(['MOE5003']);
    expect(codes(tinySpec)).toEqual([]);
  });
});
