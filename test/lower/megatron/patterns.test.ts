/**
 * The list expressions and pipeline layouts the emitter writes, read back the way Megatron reads
 * them: a port of PipelineParallelLayerLayout.parse_str_to_list (pipeline_parallel_layer_layout.py:283,
 * core_v0.19.0) and of `_eval_pattern` (arguments.py:244, Python's eval of `[a,b]`, `+`, `*n`).
 */
import { describe, expect, test } from 'vitest';
import { chunkSizes } from '../../../src/ir/stages.js';
import { listExpression, pipelineLayout } from '../../../src/lower/megatron/patterns.js';

/** parse_str_to_list: drop commas, unroll `(…)*n` then `x*n`, split stages on `|`. */
function parseLayout(layout: string): string[][] {
  let s = layout.replace(/,/g, '');
  s = s.replace(/\(([^)]+)\)\*(\d+)/g, (_w, body: string, n: string) => body.repeat(Number(n)));
  s = s.replace(/(.)\*(\d+)/g, (_w, c: string, n: string) => c.repeat(Number(n)));
  return s.split('|').map((stage) => [...stage]);
}

/** A Python list expression of `[..]`, `+`, `*n` and parentheses, evaluated. */
function evalPattern(expr: string): number[] {
  expect(expr).toMatch(/^[,\d[\]()+*]+$/); // _eval_pattern's allowed characters
  let pos = 0;
  const term = (): number[] => {
    let value: number[];
    if (expr[pos] === '(') {
      pos++;
      value = sum();
      pos++; // ')'
    } else {
      const end = expr.indexOf(']', pos);
      value = expr.slice(pos + 1, end).split(',').map(Number);
      pos = end + 1;
    }
    while (expr[pos] === '*') {
      const m = /^\*(\d+)/.exec(expr.slice(pos))!;
      pos += m[0].length;
      value = Array.from({ length: Number(m[1]) }, () => value).flat();
    }
    return value;
  };
  const sum = (): number[] => {
    let value = term();
    while (expr[pos] === '+') {
      pos++;
      value = [...value, ...term()];
    }
    return value;
  };
  const out = sum();
  expect(pos).toBe(expr.length);
  return out;
}

describe('list expressions', () => {
  const cases: [string, number[]][] = [
    ['DeepSeek-V3 MoE layers', [...Array(3).fill(0), ...Array(58).fill(1)]],
    ['gpt-oss windows', Array.from({ length: 24 }, (_, i) => (i % 2 === 0 ? 1 : 0))],
    ['a period with runs', Array.from({ length: 12 }, (_, i) => (i % 4 === 3 ? 0 : 1))],
    ['no structure', [1, 0, 0, 1, 1, 1, 1, 0, 1]],
    ['one layer', [1]],
  ];
  test.each(cases)('%s evaluates back to the layers', (_name, values) => {
    expect(evalPattern(listExpression(values))).toEqual(values);
  });
  test('DeepSeek-V3 is written as Megatron\'s recipe writes it', () => {
    expect(listExpression(cases[0][1])).toBe('[0]*3+[1]*58');
    expect(listExpression(cases[1][1])).toBe('[1,0]*12');
  });
});

describe('pipeline layouts', () => {
  const cases: [number, number, number, number][] = [
    // layers, pipeline, virtual stages, mtp
    [61, 16, 1, 1],
    [30, 4, 1, 0],
    [27, 4, 2, 0],
    [10, 3, 3, 2],
    [5, 4, 1, 0],
  ];
  test.each(cases)('%i layers on pipeline %i × %i (mtp %i): moec\'s stages, E first, m…L last', (layers, pp, v, mtp) => {
    const sizes = chunkSizes(layers, pp * v);
    const stages = parseLayout(pipelineLayout(sizes, mtp));
    expect(stages).toHaveLength(pp * v);
    expect(stages.map((s) => s.filter((c) => c === 't').length)).toEqual(sizes);
    expect(stages[0][0]).toBe('E');
    expect(stages.at(-1)!.slice(-mtp - 1).join('')).toBe('m'.repeat(mtp) + 'L');
  });
  test('DeepSeek-V3 on 16 stages folds the equal middle stages', () => {
    expect(pipelineLayout(chunkSizes(61, 16), 1)).toBe('Et*4|(t*4|)*12t*3|t*3|t*3mL');
  });
});
