/**
 * The strict JSON parser (RFC 8259 as serde_json reads it) and the Python `json.dumps` emulation
 * used for the shard index. The expected index text was produced by CPython 3.11
 * `json.dumps(index, indent=2, sort_keys=True) + "\n"` (the call transformers makes).
 */
import { describe, expect, it } from 'vitest';
import { JsonNumber, MAX_JSON_DEPTH, parseStrictJson } from '../../../src/interop/safetensors/strict-json.js';
import { pythonJsonDumps } from '../../../src/interop/safetensors/python-json.js';

const ok = (text: string) => {
  const r = parseStrictJson(text);
  if (!r.ok) throw new Error(`${text}: ${r.reason}`);
  return r.value;
};
const reason = (text: string) => {
  const r = parseStrictJson(text);
  return r.ok ? 'ok' : r.reason;
};

describe('parseStrictJson', () => {
  it('parses objects as ordered Maps, strings with escapes and surrogate pairs, literals', () => {
    const v = ok(' {"b": [1, -2, true, false, null], "a": "x\\u00e9\\ud83d\\ude00\\n\\/", "__proto__": {}} \n');
    expect(v).toBeInstanceOf(Map);
    const m = v as Map<string, unknown>;
    expect([...m.keys()]).toEqual(['b', 'a', '__proto__']);
    expect(m.get('b')).toEqual([1, -2, true, false, null]);
    expect(m.get('a')).toBe('xé😀\n/');
    expect(m.get('__proto__')).toBeInstanceOf(Map);
  });

  it('keeps non-plain integers as written', () => {
    const v = ok('[1.0, 1e3, 12345678901234567890, 9007199254740991, 123456789012345]') as unknown[];
    expect(v.slice(0, 4).map((n) => (n as JsonNumber).text)).toEqual(['1.0', '1e3', '12345678901234567890', '9007199254740991']);
    expect((v[2] as JsonNumber).safeInteger).toBeUndefined();
    expect((v[3] as JsonNumber).safeInteger).toBe(2 ** 53 - 1);
    expect(v[4]).toBe(123456789012345);
  });

  it('refuses what serde_json refuses', () => {
    expect(reason('{"a":1,}')).toBe('expected a string key');
    expect(reason('[1,]')).toMatch(/unexpected character/);
    expect(reason('{"a":1} x')).toMatch(/after the JSON value/);
    expect(reason('// c\n{}')).toMatch(/unexpected character/);
    expect(reason('[NaN]')).toMatch(/unexpected character/);
    expect(reason('[01]')).toMatch(/expected ','/);
    expect(reason('[-]')).toBe('malformed number');
    expect(reason('["\\ud800"]')).toMatch(/lone leading surrogate/);
    expect(reason('["\\udc00"]')).toMatch(/lone trailing surrogate/);
    expect(reason('["\\ud800\\u0041"]')).toMatch(/lone leading surrogate/);
    expect(reason('["a\tb"]')).toMatch(/control character/);
    expect(reason('["\\x41"]')).toBe('invalid escape');
    expect(reason('["\\u12G4"]')).toMatch(/invalid \\u escape/);
    expect(reason('"abc')).toBe('unterminated string');
    expect(reason('')).toBe('unexpected end of input');
  });

  it('reports a duplicate key with its name and position, at any depth', () => {
    const r = parseStrictJson('{"x": {"k": 1, "k": 2}}');
    expect(r).toMatchObject({ ok: false, duplicateKey: 'k', at: 15 });
  });

  it(`nests up to ${MAX_JSON_DEPTH} levels`, () => {
    expect(reason('['.repeat(MAX_JSON_DEPTH) + ']'.repeat(MAX_JSON_DEPTH))).toBe('ok');
    expect(reason('['.repeat(MAX_JSON_DEPTH + 1) + ']'.repeat(MAX_JSON_DEPTH + 1))).toMatch(/nested deeper/);
  });
});

describe('pythonJsonDumps', () => {
  it('matches json.dumps(indent=2, sort_keys=True): ensure_ascii escapes, code point key order', () => {
    const index = {
      metadata: { total_size: 12 },
      weight_map: { b: 'x', 'a\u00e9': 'y', '\u{1F600}k': 'z', '\uFFFDk': 'w', 'q"\\\n\u0001\u007f': 'v', '': 'u' },
    };
    const python =
      '{\n  "metadata": {\n    "total_size": 12\n  },\n  "weight_map": {\n    "": "u",\n    "a\\u00e9": "y",\n    "b": "x",\n' +
      '    "q\\"\\\\\\n\\u0001\\u007f": "v",\n    "\\ufffdk": "w",\n    "\\ud83d\\ude00k": "z"\n  }\n}\n';
    expect(`${pythonJsonDumps(index)}\n`).toBe(python);
    expect(pythonJsonDumps({})).toBe('{}');
  });
});
