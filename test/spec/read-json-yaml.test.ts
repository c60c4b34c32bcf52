import { describe, expect, it } from 'vitest';
import { readJsonYaml } from '../../src/spec/read-json-yaml.js';

describe('JSON and YAML specs', () => {
  it('reads JSON with a span for every value', () => {
    const r = readJsonYaml('{\n  "name": "j",\n  "moe": { "layers": ["1..3", 5] }\n}', 'x.moe.json');
    expect(r.diagnostics).toEqual([]);
    expect(r.spec).toEqual({ name: 'j', moe: { layers: ['1..3', 5] } });
    expect(r.spans.get('/name')).toMatchObject({ key: { line: 2, column: 3 }, value: { line: 2, column: 11, endColumn: 14 } });
    expect(r.spans.get('/moe/layers/1')?.value).toMatchObject({ line: 3, column: 31 });
  });

  it('reads YAML with spans', () => {
    const r = readJsonYaml('name: y\nparallel:\n  device:\n    memory: 85899345920\n', 'x.moe.yaml');
    expect(r.spec).toEqual({ name: 'y', parallel: { device: { memory: 85899345920 } } });
    expect(r.spans.get('/parallel/device/memory')).toMatchObject({ key: { line: 4, column: 5 }, value: { line: 4, column: 13 } });
  });

  it('reports syntax errors, duplicate keys and non-mapping files', () => {
    expect(readJsonYaml('{ "a": 1, }x', 'x.moe.json').diagnostics[0]).toMatchObject({ code: 'MOE1050', span: { line: 1 } });
    expect(readJsonYaml('a: 1\na: 2\n', 'x.moe.yaml').diagnostics[0]).toMatchObject({ code: 'MOE1050', span: { line: 2 } });
    expect(readJsonYaml('[1, 2]', 'x.moe.json').diagnostics[0]).toMatchObject({ code: 'MOE1051', message: expect.stringContaining('a list') });
    expect(readJsonYaml('', 'x.moe.yaml').diagnostics[0]).toMatchObject({ code: 'MOE1051' });
  });

  it('holds .moe.json files to strict JSON, which the YAML parser alone would not', () => {
    const trailing = readJsonYaml('{\n  "name": "j",\n  "vocab": 8,\n}\n', 'x.moe.json');
    expect(trailing.spec).toBeUndefined();
    expect(trailing.diagnostics).toHaveLength(1);
    expect(trailing.diagnostics[0]).toMatchObject({ code: 'MOE1050', span: { line: 4, column: 1 }, hint: expect.stringContaining('trailing commas') });
    expect(trailing.diagnostics[0].message).toMatch(/^not valid JSON: /);
    for (const loose of ["{'name': 'j'}", '{name: j}', '{"name": "j"} # c', '{"name": "j", // c\n "vocab": 8}']) {
      expect(readJsonYaml(loose, 'x.moe.json').diagnostics.map((d) => d.code), loose).toEqual(['MOE1050']);
    }
    // The same flow syntax is fine in a YAML file, and a BOM is fine in JSON.
    expect(readJsonYaml('{name: j, vocab: 8,}', 'x.moe.yaml').spec).toEqual({ name: 'j', vocab: 8 });
    expect(readJsonYaml('\ufeff{"name": "j"}', 'x.moe.json').spec).toEqual({ name: 'j' });
  });

  it('refuses deep nesting and alias bombs', () => {
    expect(readJsonYaml('{"a":' + '['.repeat(10000) + ']'.repeat(10000) + '}', 'x.moe.json').diagnostics[0].code).toBe('MOE1023');
    const bomb = ['a: &a [x, x]', ...'bcdefghij'.split('').map((k, i) => `${k}: &${k} [*${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}]`)].join('\n');
    expect(readJsonYaml(bomb, 'x.moe.yaml').diagnostics.map((d) => d.code)).toEqual(['MOE1050']);
  });
});
