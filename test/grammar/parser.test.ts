import { describe, expect, it } from 'vitest';
import { parseMoeSource } from '../../grammar/parse-source.js';
import type { EntryNode } from '../../grammar/ast.js';

const parse = (text: string) => parseMoeSource(text, 't.moe');
const messages = (text: string) => parse(text).diagnostics.map((d) => `${d.span?.line}:${d.span?.column} ${d.code} ${d.message}`);
const entries = (text: string): EntryNode[] => {
  const r = parse(text);
  expect(r.diagnostics).toEqual([]);
  return r.ast!.model?.body.entries ?? r.ast!.entries;
};

describe('parser: constructs', () => {
  it('parses a model header with extends, and exact spans', () => {
    const { ast, diagnostics } = parse('model "m" extends "b.moe" {\n  vocab 1\n}\n');
    expect(diagnostics).toEqual([]);
    const m = ast!.model!;
    expect(m.name.value).toBe('m');
    expect(m.extends?.value).toBe('b.moe');
    expect(m.keyword).toMatchObject({ offset: 0, line: 1, column: 1, endOffset: 5, endColumn: 6 });
    expect(m.name.span).toMatchObject({ line: 1, column: 7, endColumn: 10 });
    expect(m.header).toMatchObject({ line: 1, column: 1, endLine: 1, endColumn: 26 });
    expect(m.body.span).toMatchObject({ line: 1, column: 27, endLine: 3, endColumn: 2 });
    const [vocab] = m.body.entries;
    expect(vocab.key).toMatchObject({ name: 'vocab', span: { line: 2, column: 3, endColumn: 8 } });
    expect(vocab.value).toMatchObject({ kind: 'number', value: 1, text: '1', span: { line: 2, column: 9, endColumn: 10 } });
  });

  it('reads one value per entry, so several entries fit on a line', () => {
    const es = entries('model "m" { vocab 1 hidden 2  norm rmsnorm { eps 1e-6 } moe { } }');
    expect(es.map((e) => e.key.name)).toEqual(['vocab', 'hidden', 'norm', 'moe']);
    expect(es[2].value).toMatchObject({ kind: 'ident', name: 'rmsnorm' });
    expect(es[2].block?.entries[0].value).toMatchObject({ kind: 'number', value: 1e-6 });
    expect(es[3].value).toBeUndefined();
    expect(es[3].block?.entries).toEqual([]);
  });

  it('parses every value kind', () => {
    const es = entries(
      'a 32_000 b 4k c 1M d 1G e -0.5 f 1e-4 g 80GiB h 512MiB i 80GB j 40MB k 1TiB l "s\\"q\\n" m swiglu n true o false p 1..27 q [0, 3..5, "x",] r [] s 2.5E+3',
    );
    const v = Object.fromEntries(es.map((e) => [e.key.name, e.value]));
    expect(v.a).toMatchObject({ kind: 'number', value: 32000, text: '32_000' });
    expect(v.b).toMatchObject({ kind: 'number', value: 4096 });
    expect(v.c).toMatchObject({ value: 1048576 });
    expect(v.d).toMatchObject({ value: 1073741824 });
    expect(v.e).toMatchObject({ value: -0.5 });
    expect(v.f).toMatchObject({ value: 1e-4 });
    expect(v.g).toMatchObject({ kind: 'size', value: 80 * 2 ** 30 });
    expect(v.h).toMatchObject({ kind: 'size', value: 512 * 2 ** 20 });
    expect(v.i).toMatchObject({ kind: 'size', value: 80e9 });
    expect(v.j).toMatchObject({ kind: 'size', value: 40e6 });
    expect(v.k).toMatchObject({ kind: 'size', value: 2 ** 40 });
    expect(v.l).toMatchObject({ kind: 'string', value: 's"q\n' });
    expect(v.m).toMatchObject({ kind: 'ident', name: 'swiglu' });
    expect(v.n).toMatchObject({ kind: 'bool', value: true });
    expect(v.o).toMatchObject({ kind: 'bool', value: false });
    expect(v.p).toMatchObject({ kind: 'range', from: { value: 1 }, to: { value: 27 } });
    expect(v.q).toMatchObject({ kind: 'list', items: [{ value: 0 }, { kind: 'range' }, { value: 'x' }] });
    expect(v.r).toMatchObject({ kind: 'list', items: [] });
    expect(v.s).toMatchObject({ value: 2500 });
  });

  it('keeps keywords as prefixes of identifiers (longer_alt)', () => {
    const es = entries('model_dim 1 imports 2 extends_x 3 true_k truex falsey none');
    expect(es.map((e) => e.key.name)).toEqual(['model_dim', 'imports', 'extends_x', 'true_k', 'falsey']);
    expect(es[3].value).toMatchObject({ kind: 'ident', name: 'truex' });
  });

  it('parses imports and fragment files, and collects comments', () => {
    const { ast, diagnostics } = parse('// a\nimport "x.moe" # b\n/* c */ parallel { data 8 }\n');
    expect(diagnostics).toEqual([]);
    expect(ast!.imports[0].path.value).toBe('x.moe');
    expect(ast!.model).toBeUndefined();
    expect(ast!.entries[0].key.name).toBe('parallel');
    expect(ast!.comments.map((c) => c.text)).toEqual(['// a', '# b', '/* c */']);
  });

  it('decodes string escapes', () => {
    const es = entries('a "\\u0041\\u{1F600}\\t\\\\\\/"');
    expect(es[0].value).toMatchObject({ value: 'A\u{1F600}\t\\/' });
  });
});

describe('parser: errors', () => {
  it('reports every lexer error with its position and continues', () => {
    expect(messages('model "m" {\n  a: 1\n  b @ 2\n  c 3;\n}')).toEqual([
      '2:4 MOE1010 unexpected character `:`',
      '3:5 MOE1010 unexpected character `@`',
      '4:6 MOE1010 unexpected character `;`',
    ]);
  });

  it('names the unclosed block and where it opened', () => {
    const d = parse('model "m" {\n  moe {\n    experts 64 { ffn 1\n  }\n').diagnostics;
    expect(d.map((x) => x.message)).toEqual(['expected `}` to close the `moe` block opened at 2:7, found end of file']);
    expect(d[0].related?.[0].span).toMatchObject({ line: 2, column: 7 });
  });

  it('points at the block that most likely lacks its `}`, by indentation', () => {
    const text = 'model "u" {\n  attention {\n    heads 4\n  moe {\n    router {\n      top_k 2\n    }\n  }\n}\n';
    const [d] = parse(text).diagnostics;
    expect(d.code).toBe('MOE1021');
    expect(d.hint).toBe('the `attention` block opened at 2:13 is probably the one missing its `}` (judging by the indentation)');
    expect(d.related?.[1].span).toMatchObject({ line: 2, column: 13 });
    // Consistently flat indentation gives no clue, so no guess.
    expect(parse('model "u" {\nattention {\nheads 4\nmoe {\n}\n}\n').diagnostics[0].hint).toBeUndefined();
  });

  it('says a reserved word cannot be a key, and still reads what follows', () => {
    expect(messages('model "m" {\n  model 3\n  moe { extends 2 }\n  vocab 1:\n}')).toEqual([
      '2:3 MOE1020 `model` is a keyword and cannot be a key',
      '3:9 MOE1020 `extends` is a keyword and cannot be a key',
      '4:10 MOE1010 unexpected character `:`',
    ]);
    // A keyword starting a new statement means the block before it was left open.
    expect(messages('model "a" {\n  vocab 1\nmodel "b" {}')[0]).toMatch(/^3:1 MOE1021 expected `}` to close the `model` block/);
  });

  it('says a value is missing, naming the key', () => {
    expect(messages('model "m" { router { top_k } }')).toEqual(['1:28 MOE1022 expected a value or `{` after `top_k`, found `}`']);
  });

  it('reports several parse errors in one run', () => {
    const ms = messages('model "m" {\n  a [1 2]\n  b 1..\n  c "x\n  d 4kx\n  e 80Gib\n}');
    expect(ms).toEqual([
      '2:8 MOE1020 expected `,` or `]` in the list opened at 2:5, found `2`',
      '4:3 MOE1020 expected a number after `..`, found `c`',
      '4:5 MOE1011 unterminated string: a string must close with `"` on the same line',
      '5:5 MOE1014 invalid number `4kx`',
      '6:5 MOE1014 invalid number `80Gib`',
    ]);
  });

  it('explains structural mistakes', () => {
    expect(messages('model x {}')).toEqual(['1:7 MOE1020 expected the model name in quotes after `model`, found `x`']);
    expect(messages('model "a" { } vocab 1')).toEqual(['1:15 MOE1020 unexpected `vocab` after the end of the model block']);
    expect(messages('model "a" { } }')).toEqual(['1:15 MOE1020 unexpected `}`: no block is open here']);
    expect(messages('model "a" {} model "b" {}')).toEqual(['1:14 MOE1020 a file holds one model block']);
    expect(messages('/* open')).toEqual(['1:1 MOE1012 unterminated block comment: `/*` is never closed with `*/`']);
    expect(messages('a "\\q"')).toEqual(['1:4 MOE1013 invalid escape `\\q` in string']);
    expect(messages('a 1.5..3')).toEqual(['1:3 MOE1017 range bounds must be integers, found `1.5`']);
    expect(messages('a -4GiB b 99999999999999999999')).toEqual([
      '1:3 MOE1016 a size cannot be negative: `-4GiB`',
      '1:11 MOE1015 `99999999999999999999` is too large to be represented exactly',
    ]);
  });

  it('gives targeted hints for near-miss numbers', () => {
    const hint = (t: string) => parse(`a ${t}`).diagnostics[0]?.hint;
    expect(hint('4K')).toContain('`4k`');
    expect(hint('80gib')).toContain('`80GiB`');
    expect(hint('80G1')).toBeDefined();
  });

  it('refuses nesting deeper than the cap without recursing', () => {
    const deep = 'a ' + '['.repeat(100_000) + ']'.repeat(100_000);
    const d = parse(deep).diagnostics;
    expect(d.map((x) => x.code)).toEqual(['MOE1023']);
    expect(d[0].span?.column).toBe(3 + 64);
  });

  it('caps the number of diagnostics', () => {
    const d = parse('@ '.repeat(5000)).diagnostics;
    expect(d.length).toBe(101);
    expect(d.at(-1)?.code).toBe('MOE1024');
  });
});
