import { describe, expect, it } from 'vitest';
import { tensorBytes, createQuantSize } from '../../src/analysis/quant-size.js';
import { buildIR } from '../../src/ir/build-ir.js';
import { sizeByGroup } from '../../src/lower/onnx/quant-size.js';
import type { QuantizeSpec } from '../../src/spec/types.js';
import { tinySpec } from '../ir/fixtures.js';

const w = { shape: [64, 128], group: 'experts' as const };

describe('quantized artifact size', () => {
  it('int4 blocks of 32: half a byte per weight and an fp32 scale per block (MatMulNBits in an fp32 graph)', () => {
    expect(tensorBytes({ ...w, quant: { dtype: 'int4', granularity: 'block', block: 32, symmetric: true } })).toBe(8192 / 2 + 2 * 128 * 4);
    // asymmetric: plus a 4-bit zero point per block
    expect(tensorBytes({ ...w, quant: { dtype: 'int4', granularity: 'block', block: 32, symmetric: false } })).toBe(4096 + 1024 + 128);
  });
  it('int8 per channel: a byte per weight and an fp32 scale per output channel', () => {
    expect(tensorBytes({ ...w, quant: { dtype: 'int8', granularity: 'channel', symmetric: true } })).toBe(8192 + 128 * 4);
  });
  it('floats by width', () => {
    expect(tensorBytes({ ...w, quant: { dtype: 'bf16', granularity: 'tensor', symmetric: true } })).toBe(8192 * 2);
  });
  it('per group for a spec: experts int4, rest bf16, norms fp32', () => {
    const ir = buildIR({ ...tinySpec, quantize: { default: { dtype: 'bf16' }, experts: { dtype: 'int4', block: 32 } } }).value;
    const q = createQuantSize(ir);
    // 2 layers × 4 experts × (gate, up [64,128]: 4096 + 2·128·4; down [128,64]: 4096 + 4·64·4)
    expect(q.byGroup.experts.bytes).toBe(8 * (2 * 5120 + 4096 + 1024));
    expect(q.byGroup.experts.dtype).toBe('int4/b32');
    expect(q.byGroup.norms.bytes).toBe(4 * (2 * 2 * 64 + 64));
    expect(q.byGroup.embeddings.bytes).toBe(256 * 64 * 2);
  });
  // explain's figure is the size of the artifact moec writes: the same bytes per group as the
  // ONNX target reports (and the file holds), symmetric or not.
  const configs: Record<string, QuantizeSpec> = {
    'int4 block 32': { default: { dtype: 'fp16' }, experts: { dtype: 'int4', block: 32 } },
    'int4 block 16 everywhere': { default: { dtype: 'int4', block: 16 } },
    'int8 channel': { default: { dtype: 'int8' } },
    'int8 tensor, bf16': { default: { dtype: 'bf16' }, experts: { dtype: 'int8', granularity: 'tensor' } },
    'asymmetric int8 and int4 embeddings': { embeddings: { dtype: 'int8', symmetric: false }, lm_head: { dtype: 'int4', block: 32, symmetric: false } },
    'asymmetric int4 blocks (MatMulNBits) and int4 channel': { experts: { dtype: 'int4', block: 32, symmetric: false }, attention: { dtype: 'int4', granularity: 'channel', symmetric: false } },
    'int8 activations (MatMulInteger zero points)': { default: { dtype: 'int8' }, activations: { dtype: 'int8' } },
  };
  for (const [label, quantize] of Object.entries(configs)) {
    it(`matches the ONNX target's size per group: ${label}`, () => {
      const ir = buildIR({ ...tinySpec, quantize }).value;
      const q = createQuantSize(ir);
      for (const row of sizeByGroup(ir)) expect([row.group, q.byGroup[row.group].bytes]).toEqual([row.group, row.bytes]);
    });
  }
});
