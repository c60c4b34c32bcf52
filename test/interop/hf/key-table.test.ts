/**
 * The key table's transforms and rows: the DeepSeek rope-row order is rotate-half's reading of
 * interleaved pairs; every transform's export is the exact inverse of its import; every IR
 * tensor of every golden fixture has exactly one export key, and no two IR tensors share a
 * per-tensor key.
 */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { exportTensors } from '../../../src/interop/hf/export-weights.js';
import { importConfig } from '../../../src/interop/hf/import-config.js';
import { linearFromIr, linearToIr, ropeRowOrder, stackedFromIr, stackedToIr } from '../../../src/interop/hf/keys/transforms.js';
import { LazyInitWeights } from '../../../src/weights/lazy-weights.js';

const random = (n: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898) * 43758.5453 % 1);

describe('key table transforms', () => {
  it('reorders each rope block [0, 2, 4, …, 1, 3, 5, …] and leaves the rest', () => {
    expect([...ropeRowOrder(6, 6, 2, 4)]).toEqual([0, 1, 2, 4, 3, 5]);
    expect([...ropeRowOrder(12, 6, 2, 4)]).toEqual([0, 1, 2, 4, 3, 5, 6, 7, 8, 10, 9, 11]);
  });

  it('export is the inverse of import for linear (with and without rope rows) and stacked parts', () => {
    const hf = random(12 * 5);
    for (const order of [undefined, ropeRowOrder(12, 6, 2, 4)]) expect(linearFromIr(linearToIr(hf, 12, 5, order), 5, 12, order)).toEqual(hf);
    const slice = random(8 * 6);
    for (const [part, t] of [['first-half-rows', true], ['second-half-rows', true], ['even-cols', false], ['odd-cols', false]] as const) {
      const back = new Float32Array(slice.length).fill(Number.NaN);
      stackedFromIr(stackedToIr(slice, 8, 6, part, t), back, 8, 6, part, t);
      expect(back.filter((x) => !Number.isNaN(x)).length).toBe(slice.length / 2);
      for (let i = 0; i < slice.length; i++) if (!Number.isNaN(back[i]!)) expect(back[i]).toBe(slice[i]);
    }
  });

  for (const name of readdirSync('test/fixtures/hf').filter((d) => !d.endsWith('.md'))) {
    const imported = importConfig(`test/fixtures/hf/${name}`).value;
    if (!imported) continue;
    it(`${name}: every IR tensor has one export key`, () => {
      const tensors = exportTensors(imported.ir, imported.type, new LazyInitWeights(imported.ir, 1), 'F32');
      const names = tensors.map((t) => t.name);
      expect(new Set(names).size).toBe(names.length);
      expect(names.every((n) => n === 'lm_head.weight' || n.startsWith('model.'))).toBe(true);
    });
  }
});

describe('hfTensorKeys (PEFT module names)', () => {
  it('names every IR tensor by its Hugging Face key', async () => {
    const { hfTensorKeys } = await import('../../../src/interop/hf/export-weights.js');
    const { ir, type } = importConfig('test/fixtures/hf/mixtral-gqa').value!;
    const keys = hfTensorKeys(ir, type);
    expect(keys.get('layers.0.attn.q_proj.weight')).toBe('model.layers.0.self_attn.q_proj.weight');
    expect(keys.get('layers.1.moe.experts.3.up_proj.weight')).toBe('model.layers.1.block_sparse_moe.experts.3.w3.weight');
    expect(keys.size).toBe(ir.tensors.length);
  });
});
