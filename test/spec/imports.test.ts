import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSpecFile } from '../../src/spec/read-spec-file.js';

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'moec-imports-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

const read = (dir: string, file: string, root?: string) => readSpecFile(join(dir, file), new Map(), root ? { root } : {});
const codes = (r: ReturnType<typeof read>) => r.diagnostics.map((d) => d.code);

describe('imports and extends', () => {
  it('merges base, then imports in order, then the own body', () => {
    const dir = tree({
      'base.moe': 'model "base" {\n  vocab 100 hidden 8\n  moe { experts 4 { ffn 16 } layers [0, 1] }\n  parallel { data 2 }\n}',
      'frag/a.moe': 'parallel { data 4 tensor 2 }\ntrain { seed 1 }',
      'frag/b.moe': 'train { seed 2 steps 10 }',
      'child.moe': 'import "frag/a.moe"\nimport "frag/b.moe"\nmodel "child" extends "base.moe" {\n  hidden 16\n  moe { layers [3] }\n}',
    });
    const r = read(dir, 'child.moe');
    expect(r.diagnostics).toEqual([]);
    expect(r.kind).toBe('model');
    expect(r.spec).toEqual({
      name: 'child',
      vocab: 100,
      hidden: 16,
      moe: { experts: { count: 4, ffn: 16 }, layers: [3] },
      parallel: { data: 4, tensor: 2 },
      train: { seed: 2, steps: 10 },
    });
    // Each value's span is in the file that set it; replaced lists leave no stale element spans.
    expect(r.spans.get('/vocab')?.value.file).toBe(join(dir, 'base.moe'));
    expect(r.spans.get('/hidden')?.value.file).toBe(join(dir, 'child.moe'));
    expect(r.spans.get('/parallel/tensor')?.value.file).toBe(join(dir, 'frag/a.moe'));
    expect(r.spans.get('/train/seed')?.value.file).toBe(join(dir, 'frag/b.moe'));
    expect(r.spans.get('/moe/experts/ffn')?.value).toMatchObject({ file: join(dir, 'base.moe'), line: 3 });
    expect(r.spans.has('/moe/layers/1')).toBe(false);
    expect(r.spans.get('')?.value.file).toBe(join(dir, 'child.moe'));
  });

  it('reports a missing import at the import string', () => {
    const dir = tree({ 'm.moe': 'import "nope.moe"\nmodel "m" { vocab 1 }' });
    const r = read(dir, 'm.moe');
    expect(codes(r)).toEqual(['MOE1040']);
    expect(r.diagnostics[0].span).toMatchObject({ line: 1, column: 8, file: join(dir, 'm.moe') });
    expect(r.spec).toBeUndefined();
  });

  it('reports a cycle with the chain', () => {
    const dir = tree({
      'a.moe': 'model "a" extends "b.moe" { vocab 1 }',
      'b.moe': 'model "b" extends "c.moe" { vocab 2 }',
      'c.moe': 'model "c" extends "a.moe" { vocab 3 }',
    });
    const r = read(dir, 'a.moe');
    expect(codes(r)).toContain('MOE1041');
    const cycle = r.diagnostics.find((d) => d.code === 'MOE1041')!;
    expect(cycle.message).toBe('import cycle: a.moe → b.moe → c.moe → a.moe');
    expect(cycle.span?.file).toBe(join(dir, 'c.moe'));
  });

  it('refuses imports that escape the root directory', () => {
    const dir = tree({ 'outside.moe': 'train { seed 1 }', 'sub/m.moe': 'import "../outside.moe"\nmodel "m" { vocab 1 }' });
    expect(codes(read(dir, 'sub/m.moe'))).toEqual(['MOE1042']);
    expect(codes(read(dir, 'sub/m.moe', dir))).toEqual([]);
  });

  it('checks the kinds of imported and extended files', () => {
    const dir = tree({
      'model.moe': 'model "x" { vocab 1 }',
      'frag.moe': 'train { seed 1 }',
      'imp.moe': 'import "model.moe"\nmodel "m" { vocab 1 }',
      'ext.moe': 'model "m" extends "frag.moe" { vocab 1 }',
    });
    expect(codes(read(dir, 'imp.moe'))).toEqual(['MOE1043']);
    expect(codes(read(dir, 'ext.moe'))).toEqual(['MOE1044']);
    expect(read(dir, 'frag.moe').kind).toBe('fragment');
  });

  it('reports errors inside an imported file and at the import', () => {
    const dir = tree({ 'bad.moe': 'train { seed }', 'm.moe': 'import "bad.moe"\nmodel "m" { vocab 1 }' });
    const r = read(dir, 'm.moe');
    expect(codes(r)).toEqual(['MOE1022', 'MOE1045']);
    expect(r.diagnostics[0].span?.file).toBe(join(dir, 'bad.moe'));
  });

  it('extends JSON and YAML bases', () => {
    const dir = tree({
      'base.moe.json': '{ "name": "b", "vocab": 10, "moe": { "experts": { "count": 4, "ffn": 8 } } }',
      'base.moe.yaml': 'name: y\nhidden: 32\n',
      'j.moe': 'model "j" extends "base.moe.json" { moe { experts 8 { ffn 16 } } }',
      'y.moe': 'model "y" extends "base.moe.yaml" { vocab 1 }',
    });
    expect(read(dir, 'j.moe').spec).toEqual({ name: 'j', vocab: 10, moe: { experts: { count: 8, ffn: 16 } } });
    const y = read(dir, 'y.moe');
    expect(y.spec).toEqual({ name: 'y', hidden: 32, vocab: 1 });
    expect(y.spans.get('/hidden')?.value).toMatchObject({ file: join(dir, 'base.moe.yaml'), line: 2, column: 9 });
  });

  it('refuses binary, oversized and empty files with one clear diagnostic', () => {
    const dir = tree({ 'empty.moe': '  // nothing\n', 'nul.moe': 'model "a\u0000" {}' });
    writeFileSync(join(dir, 'bad-utf8.moe'), Buffer.from([0x6d, 0xff, 0xfe, 0x20]));
    writeFileSync(join(dir, 'big.moe'), 'a 1\n'.repeat(3_000_000));
    expect(codes(read(dir, 'empty.moe'))).toEqual(['MOE1003']);
    expect(codes(read(dir, 'nul.moe'))).toEqual(['MOE1001']);
    expect(read(dir, 'bad-utf8.moe').diagnostics[0].message).toContain('is not a text file (not valid UTF-8)');
    expect(codes(read(dir, 'big.moe'))).toEqual(['MOE1002']);
    expect(codes(read(dir, 'missing.moe'))).toEqual(['MOE9001']);
  });
});
