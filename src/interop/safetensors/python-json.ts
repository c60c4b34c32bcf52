/**
 * Safetensors interop — JSON text exactly as Python's `json.dumps(obj, indent=2, sort_keys=True)`
 * writes it, which is how transformers writes `model.safetensors.index.json`
 * (`modeling_utils.py` `save_pretrained`: `json.dumps(index, indent=2, sort_keys=True) + "\n"`).
 * Python's defaults apply: `ensure_ascii=True` (every non-ASCII character as `\uXXXX`, astral
 * characters as surrogate pairs, lowercase hex), `", "`/`": "` separators collapsed by the indent
 * to `","` + newline and `": "`, keys sorted by code point. Values here are whole numbers,
 * strings and nested objects, which is all an index holds.
 */

export type PyJson = number | string | { readonly [key: string]: PyJson };

export function pythonJsonDumps(value: PyJson, indent = 2): string {
  return dump(value, indent, 0);
}

function dump(value: PyJson, indent: number, level: number): string {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new Error(`pythonJsonDumps: ${value} is not a whole number`);
    return String(value);
  }
  if (typeof value === 'string') return pyString(value);
  const keys = Object.keys(value).sort(byCodePoint);
  if (keys.length === 0) return '{}';
  const pad = ' '.repeat(indent * (level + 1));
  const items = keys.map((k) => `${pad}${pyString(k)}: ${dump(value[k]!, indent, level + 1)}`);
  return `{\n${items.join(',\n')}\n${' '.repeat(indent * level)}}`;
}

/** Python compares str by code point; JS `<` compares UTF-16 units, which differs above U+FFFF. */
function byCodePoint(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

const SHORT: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f' };

/** Python's `py_encode_basestring_ascii`: escape `"`, `\`, and everything outside ' '..'~'. */
function pyString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    const code = s.charCodeAt(i);
    if (SHORT[c] !== undefined) out += SHORT[c];
    else if (code >= 0x20 && code <= 0x7e) out += c;
    else out += `\\u${code.toString(16).padStart(4, '0')}`; // UTF-16 units: astral chars become surrogate pairs, as in Python
  }
  return `${out}"`;
}
