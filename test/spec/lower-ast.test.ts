import { describe, expect, it } from 'vitest';
import { parseMoeSource } from '../../grammar/parse-source.js';
import { lowerFile } from '../../src/spec/lower-ast.js';

function lower(text: string) {
  const parsed = parseMoeSource(text, 'l.moe');
  expect(parsed.diagnostics).toEqual([]);
  return lowerFile(parsed.ast!);
}

describe('lowering', () => {
  it('produces exactly the canonical spec object', () => {
    const { spec, diagnostics, kind } = lower(`
      model "m" {
        vocab 32_000 hidden 4k context 1M
        norm rmsnorm { eps 1e-6 }
        moe {
          layers 1..27
          experts 64 { ffn 1408 activation swiglu }
          shared 2
          router { top_k 6 norm_topk false }
        }
        dense { layers [0, 3..5] }
        mtp 1
        parallel { device h100 { memory 80GiB } }
        quantize { experts int4 { block 32 } default bf16 }
        train { optimizer adamw { lr 4.2e-4 } schedule cosine }
      }`);
    expect(diagnostics).toEqual([]);
    expect(kind).toBe('model');
    expect(spec).toEqual({
      name: 'm',
      vocab: 32000,
      hidden: 4096,
      context: 1048576,
      norm: { type: 'rmsnorm', eps: 1e-6 },
      moe: {
        layers: '1..27',
        experts: { count: 64, ffn: 1408, activation: 'swiglu' },
        shared: { count: 2 },
        router: { top_k: 6, norm_topk: false },
      },
      dense: { layers: [0, '3..5'] },
      mtp: { depth: 1 },
      parallel: { device: { name: 'h100', memory: 80 * 2 ** 30 } },
      quantize: { experts: { dtype: 'int4', block: 32 }, default: { dtype: 'bf16' } },
      train: { optimizer: { type: 'adamw', lr: 4.2e-4 }, schedule: { type: 'cosine' } },
    });
  });

  it('records key and value spans for every pointer', () => {
    const { spans } = lower('model "m" {\n  moe {\n    experts 64 { ffn 8 }\n    layers [1, 2..3]\n  }\n}');
    expect(spans.get('')?.value).toMatchObject({ line: 1, column: 1, endColumn: 10 });
    expect(spans.get('/name')?.value).toMatchObject({ line: 1, column: 7 });
    expect(spans.get('/moe')?.key).toMatchObject({ line: 2, column: 3 });
    expect(spans.get('/moe')?.value).toMatchObject({ line: 2, column: 7, endLine: 5, endColumn: 4 });
    expect(spans.get('/moe/experts')?.value).toMatchObject({ line: 3, column: 13, endColumn: 25 });
    expect(spans.get('/moe/experts/count')).toMatchObject({ key: { column: 5 }, value: { column: 13, endColumn: 15 } });
    expect(spans.get('/moe/experts/ffn')?.value).toMatchObject({ line: 3, column: 22 });
    expect(spans.get('/moe/layers/1')?.value).toMatchObject({ line: 4, column: 16, endColumn: 20 });
  });

  it('lowers a fragment file to its entries', () => {
    const { spec, kind } = lower('parallel { data 8 expert 4 }\ntrain { seed 1 }');
    expect(kind).toBe('fragment');
    expect(spec).toEqual({ parallel: { data: 8, expert: 4 }, train: { seed: 1 } });
  });

  it('rejects a header value on a block without a primary field, with a hint', () => {
    const { diagnostics } = lower('model "m" { attention 16 { heads 16 } }');
    expect(diagnostics.map((d) => d.code)).toEqual(['MOE1031']);
    expect(diagnostics[0].message).toBe('`attention` takes no value before its block');
    expect(diagnostics[0].hint).toContain('attention { ... }');
    expect(diagnostics[0].span).toMatchObject({ column: 23 });
  });

  it('reports a duplicate key at the second with the first as related', () => {
    const { diagnostics } = lower('model "m" {\n  vocab 1\n  hidden 2\n  vocab 3\n}');
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({ code: 'MOE1030', span: { line: 4, column: 3 } });
    expect(diagnostics[0].related?.[0].span).toMatchObject({ line: 2, column: 3 });
  });

  it('reports a primary field set twice', () => {
    const { diagnostics } = lower('model "m" { moe { experts 8 { count 4 } } }');
    expect(diagnostics.map((d) => d.code)).toEqual(['MOE1032']);
    expect(lower('model "m" { name "x" }').diagnostics.map((d) => d.code)).toEqual(['MOE1032']);
  });

  it('keeps __proto__ as an ordinary key', () => {
    const { spec } = lower('model "m" { __proto__ { polluted true } }');
    expect(Object.getPrototypeOf(spec)).toBe(Object.prototype);
    expect(Object.keys(spec)).toEqual(['name', '__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
