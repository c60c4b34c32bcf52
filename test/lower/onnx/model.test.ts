/**
 * The emitted model as a whole: the tiny spec and fused-op variants against the reference
 * forward pass with inference routing (fp32 tolerance 1e-4), the fused op's fallback warning,
 * determinism, IR-named initializers, the decoder interface, and per-token routing: capacity is
 * training-only, so a request's logits do not depend on the rest of the batch or on later tokens.
 */
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../../src/diagnostics/diagnostic.js';
import { emitOnnxModel } from '../../../src/lower/onnx/emit-model.js';
import type { ValueInfoProto } from '../../../src/lower/onnx/graph-builder.js';
import { inferenceRouting, testIds, testWeights } from '../../reference/cases.js';
import { referenceForward } from '../../reference/reference-forward.js';
import { encode, maxAbsDiff, runLogits } from './helpers.js';
import { fusableSpec, irOf, tinySpec } from './variants.js';

const TOL = 1e-4;

describe('tiny spec and fused MoE', () => {
  const tiny = irOf(tinySpec);
  const weights = testWeights(tiny);
  const served = inferenceRouting(tiny);

  for (const moe of ['sparse', 'dense'] as const) {
    it(`specs/tiny (${moe}) matches the reference`, async () => {
      const ids = testIds(tiny.vocab, 2, 24);
      const err = maxAbsDiff(await runLogits(encode(emitOnnxModel(tiny, weights, { moe })), ids), referenceForward(served, weights, ids));
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
    const ir = irOf({ ...tinySpec, moe: { ...tinySpec.moe!, router: { ...tinySpec.moe!.router, score: 'sigmoid' } } });
    const w = testWeights(ir);
    const diagnostics: Diagnostic[] = [];
    const model = emitOnnxModel(ir, w, { moe: 'fused', diagnostics });
    expect(diagnostics.map((d) => d.code)).toEqual(['MOE5020', 'MOE5001']);
    expect(diagnostics[1].message).toContain('sigmoid scoring');
    expect(model.graph!.node!.some((n) => n.opType === 'MoE')).toBe(false);
    const ids = testIds(ir.vocab, 1, 8);
    expect(maxAbsDiff(await runLogits(encode(model), ids), referenceForward(inferenceRouting(ir), w, ids))).toBeLessThan(TOL);
  });

  it('fused with capacity in the spec: capacity is training-only, so the op fits (MOE5020 only)', async () => {
    const diagnostics: Diagnostic[] = [];
    const model = emitOnnxModel(tiny, weights, { moe: 'fused', diagnostics });
    expect(diagnostics.map((d) => d.code)).toEqual(['MOE5020']);
    expect(model.graph!.node!.filter((n) => n.opType === 'MoE')).toHaveLength(2);
    const ids = testIds(tiny.vocab, 2, 8);
    expect(maxAbsDiff(await runLogits(encode(model), ids), referenceForward(served, weights, ids))).toBeLessThan(TOL);
  });

  it('is deterministic: two emissions give the same bytes', () => {
    const ir = irOf({ ...tinySpec, quantize: { experts: { dtype: 'int4', block: 32 }, attention: { dtype: 'int8' } } });
    const a = encode(emitOnnxModel(ir, testWeights(ir)));
    const b = encode(emitOnnxModel(irOf({ ...tinySpec, quantize: { experts: { dtype: 'int4', block: 32 }, attention: { dtype: 'int8' } } }), testWeights(ir)));
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
  });

  it('names initializers as the IR names its tensors; has the decoder interface (only batch and sequence symbolic)', () => {
    const model = emitOnnxModel(tiny, weights);
    const names = new Set(model.graph!.initializer!.map((t) => t.name));
    for (const t of tiny.tensors) expect(names.has(t.name), t.name).toBe(true);
    const dims = (v: ValueInfoProto) => v.type!.tensorType!.shape!.dim!.map((d) => d.dimParam || Number(d.dimValue));
    const kv = (l: number) => [
      [`past_key_values.${l}.key`, ['batch_size', 2, 'past_sequence_length', 16]],
      [`past_key_values.${l}.value`, ['batch_size', 2, 'past_sequence_length', 16]],
    ];
    expect(model.graph!.input!.map((i) => [i.name, dims(i)])).toEqual([
      ['input_ids', ['batch_size', 'sequence_length']],
      ['attention_mask', ['batch_size', 'total_sequence_length']],
      ['position_ids', ['batch_size', 'sequence_length']],
      ...kv(0),
      ...kv(1),
    ]);
    expect(model.graph!.output!.map((o) => [o.name, dims(o)])).toEqual([
      ['logits', ['batch_size', 'sequence_length', tiny.vocab]],
      ...[0, 1].flatMap((l) => kv(l).map(([n, d]) => [(n as string).replace('past_key_values', 'present'), (d as unknown[]).map((x) => (x === 'past_sequence_length' ? 'total_sequence_length' : x))])),
    ]);
    const full = emitOnnxModel(tiny, weights, { cache: false });
    expect(full.graph!.input!.map((i) => [i.name, dims(i)])).toEqual([['input_ids', ['batch_size', 'sequence_length']]]);
    expect(full.graph!.output!.map((o) => o.name)).toEqual(['logits']);
  });

  it('routes per token: a request batched with others, or a prefix inside a longer sequence, gets its own logits', async () => {
    // A spec that drops over capacity in training (factor 0.5); a deployed model must not.
    const dropping = irOf({ ...tinySpec, moe: { ...tinySpec.moe!, router: { ...tinySpec.moe!.router, capacity_factor: 0.5 } } });
    const bytes = encode(emitOnnxModel(dropping, weights));
    const V = tiny.vocab;
    const ids = testIds(V, 4, 12);
    const batched = await runLogits(bytes, ids);
    for (let r = 0; r < 4; r++) {
      const alone = await runLogits(bytes, [ids[r]]);
      expect(maxAbsDiff(batched.subarray(r * 12 * V, (r + 1) * 12 * V), alone)).toBeLessThan(1e-5);
    }
    const prefix = await runLogits(bytes, [ids[0].slice(0, 5)]);
    expect(maxAbsDiff(batched.subarray(0, 5 * V), prefix)).toBeLessThan(1e-5);
    // Training semantics would couple them: the reference with capacity differs on this batch.
    expect(maxAbsDiff(batched, referenceForward(dropping, weights, ids))).toBeGreaterThan(1e-2);
    expect(maxAbsDiff(batched, referenceForward(served, weights, ids))).toBeLessThan(TOL);
  });

  it('capacity_factor and overflow do not change the exported model (drop = no_drop = no capacity)', async () => {
    const spec = (overflow: 'drop' | 'no_drop') => ({
      ...tinySpec,
      moe: { ...tinySpec.moe!, router: { ...tinySpec.moe!.router, capacity_factor: 0.5, overflow } },
    });
    const ids = testIds(tiny.vocab, 2, 16);
    const a = await runLogits(encode(emitOnnxModel(irOf(spec('drop')), weights)), ids);
    const b = await runLogits(encode(emitOnnxModel(irOf(spec('no_drop')), weights)), ids);
    expect(maxAbsDiff(a, b)).toBe(0);
    expect(maxAbsDiff(a, referenceForward(served, weights, ids))).toBeLessThan(TOL);
  });

  it('warns about what the graph does not lower (fp16 activations, blocked int8 with int8 activations, capacity drop), not about YaRN', () => {
    const codes = (spec: typeof tinySpec): string[] => {
      const diagnostics: Diagnostic[] = [];
      const ir = irOf(spec);
      emitOnnxModel(ir, testWeights(ir), { diagnostics });
      return diagnostics.map((d) => d.code);
    };
    const router = { ...tinySpec.moe!.router, capacity_factor: undefined, overflow: undefined };
    const free = { ...tinySpec, moe: { ...tinySpec.moe!, router } };
    expect(codes({ ...free, attention: { ...tinySpec.attention, rope: { scaling: 'yarn', factor: 4 } } })).toEqual([]);
    expect(codes({ ...free, quantize: { activations: { dtype: 'fp16' } } })).toEqual(['MOE5002']);
    expect(codes({ ...free, quantize: { default: { dtype: 'int8', block: 32 }, activations: { dtype: 'int8' } } })).toEqual(['MOE5003']);
    expect(codes(free)).toEqual([]);
    // Capacity that drops only applies to training (no_drop changes nothing, so no warning).
    expect(codes(tinySpec)).toEqual(['MOE5020']);
    expect(codes({ ...free, moe: { ...free.moe, router: { ...router, capacity_factor: 1, overflow: 'no_drop' } } })).toEqual([]);
  });
});
