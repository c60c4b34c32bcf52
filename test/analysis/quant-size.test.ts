import { describe, expect, it } from 'vitest';
import { tensorBytes, createQuantSize } from '../../src/analysis/quant-size.js';
import { buildIR } from '../../src/ir/build-ir.js';
import { tinySpec } from '../ir/fixtures.js';

const w = { shape: [64, 128], group: 'experts' as const };

describe('quantized artifact size', () => {
  it('int4 blocks of 32: half a byte per weight and an fp16 scale per block', () => {
    expect(tensorBytes({ ...w, quant: { dtype: 'int4', granularity: 'block', block: 32, symmetric: true } })).toBe(8192 / 2 + 2 * 128 * 2);
    // asymmetric: plus a 4-bit zero point per block
    expect(tensorBytes({ ...w, quant: { dtype: 'int4', granularity: 'block', block: 32, symmetric: false } })).toBe(4096 + 512 + 128);
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
    // 2 layers × 4 experts × (gate, up [64,128]: 4096 + 512; down [128,64]: 4096 + 4·64·2)
    expect(q.byGroup.experts.bytes).toBe(8 * (2 * 4608 + 4096 + 512));
    expect(q.byGroup.experts.dtype).toBe('int4/b32');
    expect(q.byGroup.norms.bytes).toBe(4 * (2 * 2 * 64 + 64));
    expect(q.byGroup.embeddings.bytes).toBe(256 * 64 * 2);
  });
});
