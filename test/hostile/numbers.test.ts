/**
 * Hostile input, class 8 — numbers. Literals that cannot be represented as written are refused
 * in every spec syntax (integers past 2^53: MOE1015; non-zero values that underflow to 0, such
 * as `aux_loss 1e-400`: MOE1070); sizes whose products pass 2^53 are refused before any count
 * is rounded (MOE1071); CLI integers are digits only and never rounded; lists have no empty items.
 */
import { afterAll, describe, expect, test } from 'vitest';
import { grouped } from '../../src/cli/explain/format.js';
import { wholeNumber } from '../../src/cli/options.js';
import { parseIds } from '../../src/run/run-command.js';
import { HAS_BIN, moec, removeTempDirs, smallSpec, tempDir, write } from './harness.js';

afterAll(removeTempDirs);

describe.skipIf(!HAS_BIN)('class 8: spec numbers mean what they say', () => {
  const moe = (aux: string, context: string) => smallSpec().replace('context 128', `context ${context}`).replace('dense { ffn 128 }', `moe { experts 4 { ffn 8 } router { top_k 2  aux_loss ${aux} } }`);
  test.each([
    ['.moe', 'x.moe', moe('1e-400', '9007199254740993')],
    ['JSON', 'x.moe.json', JSON.stringify({ name: 'x', vocab: 256, hidden: 64, layers: 2, context: 0, attention: { heads: 4 }, moe: { experts: { count: 4, ffn: 8 }, router: { top_k: 2, aux_loss: 0 } } }).replace('"context":0', '"context":9007199254740993').replace('"aux_loss":0', '"aux_loss":1e-400')],
    ['YAML', 'x.moe.yaml', 'name: x\nvocab: 256\nhidden: 64\nlayers: 2\ncontext: 9007199254740993\nattention: { heads: 4 }\nmoe: { experts: { count: 4, ffn: 8 }, router: { top_k: 2, aux_loss: 1e-400 } }\n'],
  ])('%s: 2^53 + 1 is MOE1015, 1e-400 is MOE1070', (_syntax, file, text) => {
    const r = moec(['check', write(tempDir(), file, text)]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('MOE1015');
    expect(r.stdout).toContain('MOE1070');
  });

  test('0, 0.0, 0e-5 and the smallest subnormal 5e-324 are fine', () => {
    const r = moec(['check', write(tempDir(), 'x.moe', moe('0.0e-5', '128').replace('aux_loss 0.0e-5', 'aux_loss 0  z_loss 5e-324'))]);
    expect(r.stdout).not.toMatch(/MOE1070|MOE1015/);
  });

  test('sizes whose products pass 2^53 are refused, not rounded (MOE1071)', () => {
    for (const [from, to] of [['hidden 64', 'hidden 9007199254740881'], ['vocab 256', 'vocab 4503599627370496']]) {
      const r = moec(['explain', write(tempDir(), 'x.moe', smallSpec().replace('attention { heads 4 }', 'attention { heads 4  head_dim 16 }').replace(from, to))], { limitS: 30 });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('MOE1071');
      expect(r.stdout).toBe('');
    }
  });
});

describe('class 8: CLI numbers', () => {
  test('whole-number options: digits only, never past 2^53, within their range', () => {
    const parse = wholeNumber('--n', 1, 2 ** 32 - 1);
    expect(parse('42')).toBe(42);
    for (const bad of ['', ' 4', '4 ', '0x10', '1e3', '1.0', '-1', '+1', '0', '4294967296', '9007199254740993', '99999999999999999999']) {
      expect(() => parse(bad), JSON.stringify(bad)).toThrow(/needs a whole number/);
    }
    expect(() => wholeNumber('--n')('9007199254740993')).toThrow();
    expect(wholeNumber('--n')('9007199254740991')).toBe(2 ** 53 - 1);
  });

  test('--ids: no empty items, no rounding', () => {
    expect(parseIds('1, 2 3')).toEqual([1, 2, 3]);
    for (const bad of ['1,,2', '1,', ',1', '1, ,2']) expect(parseIds(bad), bad).toMatch(/is empty/);
    expect(parseIds('9007199254740993')).toMatch(/not a token id/);
  });

  test('explain never shows a rounded count as exact', () => {
    expect(grouped(2 ** 53 - 1)).toBe('9,007,199,254,740,991');
    expect(grouped(2 ** 53 + 2)).toBe('≈9,007,199,254,740,994');
  });

  test.skipIf(!HAS_BIN)('the CLI refuses them as usage errors (exit 2)', () => {
    const spec = write(tempDir(), 'x.moe', smallSpec());
    for (const args of [
      ['check', spec, '--max-warnings', '9007199254740993'],
      ['check', spec, '--max-warnings', '1e3'],
      ['check', spec, '--max-warnings', ''],
      ['compile', spec, '-o', 'x.onnx', '--seed', '9007199254740993'],
      ['run', 'x.onnx', '--ids', '1,,2'],
      ['run', 'x.onnx', '--ids', '1', '-n', '-1'],
    ]) {
      const r = moec(args, { limitS: 30 });
      expect(r.code, args.join(' ')).toBe(2);
    }
  });
});
