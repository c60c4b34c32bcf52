/**
 * Quantized ONNX models (fp16, bf16, int8 and int4 in every layout linear.ts emits):
 * 1. exactness of the storage: logits match the reference forward pass run on the same
 *    weights quantized and dequantized in TypeScript (so packing, scales, zero points, axes
 *    and blocks are all checked), tolerance 1e-4, run with ORT's QDQ→MatMulNBits rewrite at
 *    accuracy level 1 (fp32) — its default, level 4, quantizes activations to int8;
 * 2. error against the fp32 ONNX model, measured on the tiny spec (router kept fp32 so a
 *    routing flip does not dominate), bounded per dtype;
 * 3. size: the initializer bytes of each group equal sizeByGroup's layout arithmetic exactly,
 *    and on a wider model the file is within 3% of it.
 */
import { describe, expect, it } from 'vitest';
import type { ModelIR } from '../../../src/ir/types.js';
import type { QuantizeSpec } from '../../../src/spec/types.js';
import { emitOnnxModel } from '../../../src/lower/onnx/emit-model.js';
import { sizeByGroup, tensorBytes } from '../../../src/lower/onnx/quant-size.js';
import { inferenceRouting, testIds, testWeights } from '../../reference/cases.js';
import { referenceForward } from '../../reference/reference-forward.js';
import { dequantizedWeights } from './dequantized.js';
import { encode, maxAbs, maxAbsDiff, runLogits } from './helpers.js';
import { irOf, tinySpec } from './variants.js';

const ROUTER_FP32 = { router: { dtype: 'fp32' } } as const;

/** name → quantize block, and the bound on max |logit error| relative to max |fp32 logit|. */
const VARIANTS: Record<string, { quantize: QuantizeSpec; rel: number }> = {
  fp16: { quantize: { default: { dtype: 'fp16' } }, rel: 0.003 },
  bf16: { quantize: { default: { dtype: 'bf16' } }, rel: 0.03 },
  'int8 channel sym': { quantize: { default: { dtype: 'int8' }, ...ROUTER_FP32 }, rel: 0.1 },
  'int8 tensor asym': { quantize: { default: { dtype: 'int8', granularity: 'tensor', symmetric: false }, ...ROUTER_FP32 }, rel: 0.25 },
  'int8 block 32 asym': { quantize: { default: { dtype: 'int8', block: 32, symmetric: false }, ...ROUTER_FP32 }, rel: 0.1 },
  'int4 block 32 sym (MatMulNBits)': { quantize: { default: { dtype: 'int4', block: 32 }, ...ROUTER_FP32 }, rel: 0.8 },
  'int4 block 16 asym (MatMulNBits)': { quantize: { default: { dtype: 'int4', block: 16, symmetric: false }, ...ROUTER_FP32 }, rel: 0.8 },
  'int4 channel sym (DequantizeLinear INT4)': { quantize: { default: { dtype: 'int4' }, ...ROUTER_FP32 }, rel: 0.9 },
  'int4 tensor asym (DequantizeLinear UINT4)': { quantize: { default: { dtype: 'int4', granularity: 'tensor', symmetric: false }, ...ROUTER_FP32 }, rel: 1.2 },
  'int4 block 24 sym (DequantizeLinear blocked)': { quantize: { default: { dtype: 'int4', block: 24 }, ...ROUTER_FP32 }, rel: 0.9 },
  'per group: experts int4, attention int8, embeddings fp16, lm_head int8': {
    quantize: { experts: { dtype: 'int4', block: 32 }, attention: { dtype: 'int8' }, embeddings: { dtype: 'fp16' }, lm_head: { dtype: 'int8' } },
    rel: 0.5,
  },
};

const ids = testIds(256, 2, 16);
/** ORT rewrites DequantizeLinear → MatMul into MatMulNBits at accuracy level 4 (int8 activations); level 1 computes in fp32. */
const FP32_COMPUTE = { extra: { session: { qdq_matmulnbits_accuracy_level: '1' } } };

function payloadByGroup(ir: ModelIR, bytes: ReturnType<typeof emitOnnxModel>): Map<string, number> {
  const groupOf = new Map(ir.tensors.map((t) => [t.name, t.group]));
  const out = new Map<string, number>();
  for (const init of bytes.graph!.initializer!) {
    const base = init.name!.replace(/_(scale|zero_point)$/, '');
    const group = groupOf.get(base);
    if (group) out.set(group, (out.get(group) ?? 0) + (init.rawData as Uint8Array).length);
  }
  return out;
}

describe('quantized ONNX models', () => {
  for (const tie of [false, true]) {
    const fp32Ir = irOf({ ...tinySpec, tie_embeddings: tie });
    const weights = testWeights(fp32Ir);
    const fp32Logits = runLogits(encode(emitOnnxModel(fp32Ir, weights)), ids);
    for (const [name, v] of Object.entries(VARIANTS)) {
      it(`${name}${tie ? ' (tied embeddings)' : ''}`, async () => {
        const ir = irOf({ ...tinySpec, tie_embeddings: tie, quantize: v.quantize });
        const model = emitOnnxModel(ir, weights);
        const got = await runLogits(encode(model), ids);
        const exact = maxAbsDiff(await runLogits(encode(model), ids, FP32_COMPUTE), referenceForward(inferenceRouting(ir), dequantizedWeights(ir, weights), ids));
        const base = await fp32Logits;
        const rel = maxAbsDiff(got, base) / maxAbs(base);
        console.log(`${name}${tie ? ' tied' : ''}: vs dequantized reference ${exact.toExponential(2)}, vs fp32 rel ${rel.toFixed(4)}`);
        expect(exact).toBeLessThan(1e-4);
        expect(rel).toBeLessThan(v.rel);
        const payload = payloadByGroup(ir, model);
        for (const g of sizeByGroup(ir)) expect(payload.get(g.group), g.group).toBe(g.bytes);
      });
    }
  }

  it('int4 embedding rows of odd width (hidden 63, odd vocab) are padded to whole bytes: exact, sized as the layout says, both tied and untied', async () => {
    for (const tie of [false, true]) {
      for (const embeddings of [{ dtype: 'int4', granularity: 'channel', symmetric: false }, { dtype: 'int4', block: 32 }, { dtype: 'int4', granularity: 'tensor' }] as const) {
        const ir = irOf({ ...tinySpec, vocab: 257, hidden: 63, tie_embeddings: tie, quantize: { embeddings } });
        const weights = testWeights(ir);
        const model = emitOnnxModel(ir, weights);
        const exact = maxAbsDiff(await runLogits(encode(model), ids, FP32_COMPUTE), referenceForward(inferenceRouting(ir), dequantizedWeights(ir, weights), ids));
        expect(exact, JSON.stringify(embeddings)).toBeLessThan(1e-4);
        const payload = payloadByGroup(ir, model);
        for (const g of sizeByGroup(ir)) expect(payload.get(g.group), g.group).toBe(g.bytes);
      }
    }
  });

  it('int8 activations (DynamicQuantizeLinear → MatMulInteger) and int4 with accuracy level 4 run close to fp32', async () => {
    const fp32Ir = irOf(tinySpec);
    const weights = testWeights(fp32Ir);
    const base = await runLogits(encode(emitOnnxModel(fp32Ir, weights)), ids);
    for (const [dtype, bound] of [['int8', 0.25], ['int4', 0.8]] as const) {
      const ir = irOf({ ...tinySpec, quantize: { default: { dtype, block: dtype === 'int4' ? 32 : undefined }, activations: { dtype: 'int8' }, ...ROUTER_FP32 } });
      const model = emitOnnxModel(ir, weights);
      const ops = new Set(model.graph!.node!.map((n) => n.opType));
      expect(ops.has(dtype === 'int8' ? 'MatMulInteger' : 'MatMulNBits')).toBe(true);
      const rel = maxAbsDiff(await runLogits(encode(model), ids), base) / maxAbs(base);
      console.log(`${dtype} weights + int8 activations: vs fp32 rel ${rel.toFixed(4)}`);
      expect(rel).toBeLessThan(bound);
    }
  });

  it('file size is the quantization layout plus the graph structure; within 3% of the layout on a wider model', () => {
    const wide = { ...tinySpec, layers: 1, vocab: 2048, hidden: 512, attention: { heads: 8, kv_heads: 4, head_dim: 64 } };
    const quantizes: QuantizeSpec[] = [{}, { default: { dtype: 'fp16' } }, { default: { dtype: 'int8' } }, { default: { dtype: 'int4', block: 32 } }];
    for (const quantize of quantizes) {
      const ir = irOf({ ...wide, quantize });
      const model = emitOnnxModel(ir, testWeights(ir));
      const file = encode(model).length;
      const layout = ir.tensors.reduce((a, t) => a + tensorBytes(t, ir), 0);
      // The same model without tensor payloads: names, shapes and nodes only.
      for (const init of model.graph!.initializer!) if (ir.tensors.some((t) => init.name!.startsWith(t.name))) init.rawData = new Uint8Array(0);
      const structure = encode(model).length;
      const over = file - layout - structure;
      console.log(`${JSON.stringify(quantize)}: file ${file} B = layout ${layout} B + structure ${structure} B + ${over} B varints (${((file / layout - 1) * 100).toFixed(2)}% over layout)`);
      expect(over).toBeGreaterThanOrEqual(0);
      expect(over).toBeLessThan(4 * model.graph!.initializer!.length);
      expect(file / layout).toBeLessThan(1.03);
    }
  });
});
