import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseMoeSource } from '../../grammar/parse-source.js';
import { formatMoe } from '../../src/fmt/format-moe.js';
import { lowerFile } from '../../src/spec/lower-ast.js';
import { runFmt } from '../../src/fmt/run-fmt.js';

const fmt = (text: string) => {
  const r = formatMoe(text, 'f.moe');
  expect(r.diagnostics).toEqual([]);
  return r.output!;
};
const lowered = (text: string) => lowerFile(parseMoeSource(text, 'f.moe').ast!).spec;
const specFiles = readdirSync('specs').filter((f) => f.endsWith('.moe'));

describe('fmt', () => {
  it.each(specFiles)('is idempotent and meaning-preserving on specs/%s', (name) => {
    const text = readFileSync(join('specs', name), 'utf8');
    const once = fmt(text);
    expect(fmt(once)).toBe(once);
    expect(lowered(once)).toEqual(lowered(text));
    const comments = (t: string) => parseMoeSource(t, 'f.moe').ast!.comments.map((c) => c.text.trimEnd());
    expect(comments(once)).toEqual(comments(text));
  });

  it.each(specFiles)('specs/%s is shipped formatted (the README runs `moec fmt --check specs/`)', (name) => {
    const text = readFileSync(join('specs', name), 'utf8');
    expect(fmt(text)).toBe(text);
  });

  it('prints the canonical layout and keeps number spellings', () => {
    expect(fmt('model   "m"{vocab 32_000 hidden 4k  lr 1e-4 mem 80GiB r 1..27 l [ 0,3..5 ]  s "a\\u0041" norm rmsnorm{eps 1e-6} e {}}')).toBe(
      [
        'model "m" {',
        '  vocab 32_000',
        '  hidden 4k',
        '  lr 1e-4',
        '  mem 80GiB',
        '  r 1..27',
        '  l [0, 3..5]',
        '  s "aA"',
        '  norm rmsnorm {',
        '    eps 1e-6',
        '  }',
        '  e {}',
        '}',
        '',
      ].join('\n'),
    );
  });

  it('keeps leading, trailing, dangling and end-of-file comments in place', () => {
    const src = [
      '# header',
      '',
      'import "a.moe"   // why',
      'model "x" { // about x',
      '  vocab 1 hidden 2 // dims',
      '',
      '',
      '  /* block',
      '     comment */',
      '  moe { router { // r',
      '  } }',
      '  // end of model',
      '} // done',
      '// tail',
    ].join('\n');
    expect(fmt(src)).toBe(
      [
        '# header',
        '',
        'import "a.moe" // why',
        '',
        'model "x" { // about x',
        '  vocab 1',
        '  hidden 2 // dims',
        '',
        '  /* block',
        '     comment */',
        '  moe {',
        '    router { // r',
        '    }',
        '  }',
        '  // end of model',
        '} // done',
        '// tail',
        '',
      ].join('\n'),
    );
  });

  it('moves comments from inside an entry above it rather than dropping them', () => {
    const out = fmt('a [1, /* one */ 2] b /* x */ 3');
    expect(out).toBe('/* one */\na [1, 2]\n/* x */\nb 3\n');
    expect(fmt(out)).toBe(out);
  });

  it('refuses to format a file with syntax errors', () => {
    const r = formatMoe('model "m" { vocab }', 'f.moe');
    expect(r.output).toBeUndefined();
    expect(r.diagnostics.map((d) => d.code)).toEqual(['MOE1022']);
  });
});

describe('moec fmt command', () => {
  const capture = async (fn: () => Promise<number>) => {
    const out: string[] = [];
    const err: string[] = [];
    const o = process.stdout.write.bind(process.stdout);
    const e = process.stderr.write.bind(process.stderr);
    process.stdout.write = ((s: string) => (out.push(s), true)) as typeof process.stdout.write;
    process.stderr.write = ((s: string) => (err.push(s), true)) as typeof process.stderr.write;
    try {
      const code = await fn();
      return { code, out: out.join(''), err: err.join('') };
    } finally {
      process.stdout.write = o;
      process.stderr.write = e;
    }
  };

  it('--check lists unformatted files, --write fixes them, then --check passes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'moec-fmt-'));
    writeFileSync(join(dir, 'a.moe'), 'model "a" { vocab 1 hidden 2 }');
    writeFileSync(join(dir, 'b.moe'), 'model "b" {\n  vocab 1\n}\n');
    const check = await capture(() => runFmt([dir], { check: true }));
    expect(check.code).toBe(1);
    expect(check.out).toBe(`would reformat ${join(dir, 'a.moe')}\n`);
    expect((await capture(() => runFmt([dir], { write: true }))).code).toBe(0);
    expect(readFileSync(join(dir, 'a.moe'), 'utf8')).toBe('model "a" {\n  vocab 1\n  hidden 2\n}\n');
    expect(readdirSync(dir).sort()).toEqual(['a.moe', 'b.moe']);
    expect((await capture(() => runFmt([dir], { check: true }))).code).toBe(0);
  });

  it('prints one file to stdout and reports syntax errors with exit 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'moec-fmt-'));
    writeFileSync(join(dir, 'a.moe'), 'model "a" { vocab 1 }');
    writeFileSync(join(dir, 'bad.moe'), 'model "a" { vocab }');
    expect(await capture(() => runFmt([join(dir, 'a.moe')], {}))).toMatchObject({ code: 0, out: 'model "a" {\n  vocab 1\n}\n' });
    const bad = await capture(() => runFmt([join(dir, 'bad.moe')], { write: true }));
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('bad.moe:1:19 - error MOE1022: expected a value or `{` after `vocab`');
    expect(readFileSync(join(dir, 'bad.moe'), 'utf8')).toBe('model "a" { vocab }');
    expect((await capture(() => runFmt([dir], {}))).code).toBe(2);
    expect((await capture(() => runFmt([join(dir, 'nope.moe')], {}))).code).toBe(2);
  });
});
