/**
 * Hostile input, class 1 — unbounded time or memory. Each case runs the built CLI under a time
 * limit with its peak memory measured (harness.ts): divisor hints for huge primes, YAML alias
 * bombs and deep nesting, FIFOs and devices as specs, imports, training data and models, a
 * truncated model, a file of 100,000+ tokens, and --threads beyond the machine.
 */
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { HAS_BIN, mkfifo, moec, removeTempDirs, smallSpec, tempDir, write } from './harness.js';

afterAll(removeTempDirs);

/** Peak RSS bound for `moec check` cases: Node and moec take ~80 MiB. */
const CHECK_MIB = 300;

describe.skipIf(!HAS_BIN)('class 1: every search and read is bounded by the input', () => {
  test.each([
    ['a prime hidden near 2^53', 'hidden 64', 'hidden 9007199254740881', 'MOE3101'],
    ['heads = 2^32 + 1', 'heads 4', 'heads 4294967297', 'MOE3101'],
    ['a prime kv_heads divisor search', 'attention { heads 4 }', 'attention { heads 9007199254740881  kv_heads 2 }', 'MOE3102'],
    ['router groups over a prime expert count', 'dense { ffn 128 }', 'moe { experts 9007199254740881 { ffn 8 } router { top_k 2  groups 3  top_groups 1 } }', 'MOE3203'],
  ])('%s: the divisor hint is bounded', (_name, from, to, code) => {
    const dir = tempDir();
    const spec = write(dir, 'x.moe', smallSpec().replace(from, to));
    const r = moec(['check', spec], { limitS: 20 });
    expect(r.hung).toBe(false);
    expect(r.stdout).toContain(code);
    expect(r.maxRssMiB).toBeLessThan(CHECK_MIB);
  });

  test('a YAML alias bomb is refused before it expands (memory measured)', () => {
    const dir = tempDir();
    const lines = ['model: bomb', 'vocab: 256', 'a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 12; i++) lines.push(`a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]`);
    const r = moec(['check', write(dir, 'bomb.moe.yaml', lines.join('\n') + '\n')], { limitS: 20 });
    expect(r.hung).toBe(false);
    expect(r.stdout).toContain('MOE1074');
    expect(r.maxRssMiB).toBeLessThan(CHECK_MIB);
  });

  test.each([
    ['40,000 anchors', Array.from({ length: 40_000 }, (_, i) => `b${i}: &b${i} [x]`).join('\n')],
    ['40,000 aliases of one anchor', 'b: &b [x]\n' + Array.from({ length: 40_000 }, (_, i) => `c${i}: *b`).join('\n')],
    ['a chain of 40,000 aliases', 'b0: &b0 [x]\n' + Array.from({ length: 40_000 }, (_, i) => `b${i + 1}: &b${i + 1} [*b${i}]`).join('\n')],
  ])('YAML with %s (the parser is quadratic in them): refused before parsing', (_name, body) => {
    const r = moec(['check', write(tempDir(), 'x.moe.yaml', `name: x\n${body}\n`)], { limitS: 20 });
    expect(r.hung).toBe(false);
    expect(r.stdout).toContain('MOE1078');
  });

  test.each([
    ['block YAML 900 levels deep', 'x.moe.yaml', Array.from({ length: 900 }, (_, i) => '  '.repeat(i) + 'a:').join('\n') + '\n' + '  '.repeat(900) + 'b: 1\n'],
    ['nested block sequences on one line', 'x.moe.yaml', 'a: ' + '- '.repeat(100_000) + 'x\n'],
    ['JSON 100,000 brackets deep', 'x.moe.json', '['.repeat(100_000) + ']'.repeat(100_000)],
    ['.moe 100,000 brackets deep', 'x.moe', 'a ' + '['.repeat(100_000) + ']'.repeat(100_000)],
  ])('%s: refused by the nesting limit, not the stack', (_name, file, text) => {
    const dir = tempDir();
    const r = moec(['check', write(dir, file, text)], { limitS: 20 });
    expect(r.hung).toBe(false);
    expect(r.stdout).toContain('MOE1023');
    expect(r.stdout).not.toContain('MOE9005');
    expect(r.maxRssMiB).toBeLessThan(CHECK_MIB);
  });

  test('a file of 400,000 tokens is refused after lexing, not parsed', () => {
    const dir = tempDir();
    const r = moec(['check', write(dir, 'x.moe', smallSpec('t', `  dense_layers [${Array(200_000).fill('1').join(',')}]`))], { limitS: 30 });
    expect(r.hung).toBe(false);
    expect(r.stdout).toContain('MOE1077');
    expect(r.maxRssMiB).toBeLessThan(600);
  });

  describe.skipIf(process.platform === 'win32')('special files', () => {
    test('a FIFO passed to check, imported, or matched in a directory never blocks', () => {
      const dir = tempDir();
      expect(mkfifo(join(dir, 'pipe.moe'))).toBe(true);
      write(dir, 'imports.moe', 'import "pipe.moe"\n' + smallSpec());
      const direct = moec(['check', join(dir, 'pipe.moe')], { limitS: 15 });
      expect(direct.hung).toBe(false);
      expect(direct.stdout).toContain('MOE9100');
      const imported = moec(['check', join(dir, 'imports.moe')], { limitS: 15 });
      expect(imported.hung).toBe(false);
      expect(imported.stdout).toMatch(/imports\.moe:1:8 - error MOE9100: `.*pipe\.moe` is a FIFO/);
      const all = moec(['check', dir], { limitS: 15 });
      expect(all.hung).toBe(false);
      expect(all.code).toBe(1);
    });

    test('a symlink to /dev/zero (stat size 0) is refused, not read without end', () => {
      const dir = tempDir();
      symlinkSync('/dev/zero', join(dir, 'zero.moe'));
      symlinkSync('/dev/urandom', join(dir, 'random.moe.yaml'));
      for (const f of ['zero.moe', 'random.moe.yaml']) {
        const r = moec(['check', join(dir, f)], { limitS: 15 });
        expect(r.hung).toBe(false);
        expect(r.stdout).toContain('MOE9100');
        expect(r.maxRssMiB).toBeLessThan(CHECK_MIB);
      }
    });

    test('a FIFO or /dev/zero as training data is refused before TensorFlow.js starts a step', () => {
      const dir = tempDir();
      expect(mkfifo(join(dir, 'data.txt'))).toBe(true);
      symlinkSync('/dev/zero', join(dir, 'zero.txt'));
      const spec = write(dir, 'tiny.moe', smallSpec('tiny'));
      for (const data of ['data.txt', 'zero.txt']) {
        const r = moec(['train', spec, '--data', join(dir, data), '--out', join(dir, `run-${data}`), '--progress', 'none'], { limitS: 60 });
        expect(r.hung).toBe(false);
        expect(r.code).toBe(1);
        expect(r.stderr).toContain('MOE9100');
        expect(r.maxRssMiB).toBeLessThan(1024);
      }
    });

    test('moec run: a 4-byte file (truncated varint), /dev/zero and a FIFO fail fast', () => {
      const dir = tempDir();
      const four = write(dir, 'four.onnx', Uint8Array.of(0x72, 0x02, 0x0a, 0x80));
      const zeros = write(dir, 'zeros.onnx', new Uint8Array(1 << 20));
      symlinkSync('/dev/zero', join(dir, 'zero.onnx'));
      expect(mkfifo(join(dir, 'pipe.onnx'))).toBe(true);
      for (const [model, code] of [[four, 'MOE5510'], [zeros, 'MOE5510'], [join(dir, 'zero.onnx'), 'MOE9100'], [join(dir, 'pipe.onnx'), 'MOE9100']] as const) {
        const r = moec(['run', model, '--ids', '1,2'], { limitS: 30 });
        expect(r.hung, model).toBe(false);
        expect(r.code).toBe(1);
        expect(r.stderr).toContain(code);
        expect(r.maxRssMiB).toBeLessThan(600);
      }
    });
  });

  test('run --threads beyond the CPUs is a usage error', () => {
    const r = moec(['run', 'model.onnx', '--ids', '1', '--threads', '99999'], { limitS: 15 });
    expect(r.hung).toBe(false);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--threads needs a whole number from 1 to \d+, got `99999`/);
  });
});
