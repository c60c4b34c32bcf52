/**
 * Safetensors interop — a strict JSON parser for hostile headers and index files. `JSON.parse`
 * will not do: it keeps the last of two duplicate keys silently (the format forbids duplicates),
 * turns `"__proto__"` into a prototype, and rounds integers above 2^53. This parser follows
 * RFC 8259 as serde_json reads it (what the reference safetensors reader uses): no comments, no
 * trailing commas, no NaN, no lone surrogate escapes, nesting at most 128 deep (serde_json's
 * default recursion limit). Objects become Maps in source order; numbers keep their source text.
 * It runs in time linear in the input and allocates at most a constant factor of it.
 */

/**
 * A JSON number that is not a plain integer of at most 15 digits (those parse to a JS number,
 * exactly): kept as written, so `1.0`, `1e3` and integers beyond 2^53 are told apart, not rounded.
 */
export class JsonNumber {
  constructor(readonly text: string) {}

  /** The value when the literal is a plain non-negative integer a double holds exactly. */
  get safeInteger(): number | undefined {
    if (!/^(0|[1-9][0-9]*)$/.test(this.text) || this.text.length > 16) return undefined;
    const v = Number(this.text);
    return Number.isSafeInteger(v) ? v : undefined;
  }
}

export type JsonValue = null | boolean | string | number | JsonNumber | JsonValue[] | JsonObject;
export type JsonObject = Map<string, JsonValue>;

export type JsonResult =
  | { ok: true; value: JsonValue }
  | { ok: false; reason: string; at: number; duplicateKey?: string };

export const MAX_JSON_DEPTH = 128;

class JsonError {
  constructor(readonly reason: string, readonly at: number, readonly duplicateKey?: string) {}
}

/** Parse `text` (already decoded) as exactly one JSON value, surrounded by optional whitespace. */
export function parseStrictJson(text: string): JsonResult {
  const p = new Parser(text);
  try {
    p.ws();
    const value = p.value(0);
    p.ws();
    if (p.i < text.length) p.fail('unexpected text after the JSON value');
    return { ok: true, value };
  } catch (err) {
    if (err instanceof JsonError) return { ok: false, reason: err.reason, at: err.at, duplicateKey: err.duplicateKey };
    throw err;
  }
}

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const PLAIN_INTEGER = /^-?(?:0|[1-9][0-9]{0,14})$/;
const LITERALS = [['true', true], ['false', false], ['null', null]] as const;
const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

class Parser {
  i = 0;
  constructor(private readonly s: string) {}

  fail(reason: string, at = this.i, duplicateKey?: string): never {
    throw new JsonError(reason, at, duplicateKey);
  }

  ws(): void {
    const s = this.s;
    let c = s.charCodeAt(this.i);
    while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = s.charCodeAt(++this.i);
  }

  value(depth: number): JsonValue {
    const c = this.s[this.i];
    if (c === '{' || c === '[') {
      if (depth >= MAX_JSON_DEPTH) this.fail(`nested deeper than ${MAX_JSON_DEPTH} levels`);
      return c === '{' ? this.object(depth + 1) : this.array(depth + 1);
    }
    if (c === '"') return this.string();
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.number();
    for (const [word, v] of LITERALS) {
      if (this.s.startsWith(word, this.i)) {
        this.i += word.length;
        return v;
      }
    }
    return this.fail(c === undefined ? 'unexpected end of input' : `unexpected character ${JSON.stringify(c)}`);
  }

  object(depth: number): JsonObject {
    const out: JsonObject = new Map();
    this.i++; // {
    this.ws();
    if (this.s[this.i] === '}') {
      this.i++;
      return out;
    }
    for (;;) {
      if (this.s[this.i] !== '"') this.fail('expected a string key');
      const at = this.i;
      const key = this.string();
      if (out.has(key)) this.fail(`duplicate key ${JSON.stringify(key)}`, at, key);
      this.ws();
      if (this.s[this.i] !== ':') this.fail("expected ':'");
      this.i++;
      this.ws();
      out.set(key, this.value(depth));
      this.ws();
      const c = this.s[this.i++];
      if (c === '}') return out;
      if (c !== ',') this.fail("expected ',' or '}'", this.i - 1);
      this.ws();
    }
  }

  array(depth: number): JsonValue[] {
    const out: JsonValue[] = [];
    this.i++; // [
    this.ws();
    if (this.s[this.i] === ']') {
      this.i++;
      return out;
    }
    for (;;) {
      out.push(this.value(depth));
      this.ws();
      const c = this.s[this.i++];
      if (c === ']') return out;
      if (c !== ',') this.fail("expected ',' or ']'", this.i - 1);
      this.ws();
    }
  }

  number(): number | JsonNumber {
    NUMBER.lastIndex = this.i;
    const m = NUMBER.exec(this.s);
    if (!m || m[0] === '-') this.fail('malformed number');
    this.i += m[0].length;
    return PLAIN_INTEGER.test(m[0]) ? Number(m[0]) : new JsonNumber(m[0]);
  }

  string(): string {
    const s = this.s;
    const start = ++this.i; // opening quote
    let out = '';
    let run = start;
    for (;;) {
      const c = s.charCodeAt(this.i);
      if (Number.isNaN(c)) this.fail('unterminated string', start - 1);
      if (c === 0x22) break;
      if (c < 0x20) this.fail('control character in string (must be escaped)');
      if (c !== 0x5c) {
        this.i++;
        continue;
      }
      out += s.slice(run, this.i);
      out += this.escape();
      run = this.i;
    }
    out += s.slice(run, this.i);
    this.i++; // closing quote
    return out;
  }

  /** One escape sequence starting at the backslash; a \u surrogate must come as a valid pair. */
  private escape(): string {
    const s = this.s;
    const e = s[this.i + 1];
    if (e !== undefined && e in ESCAPES) {
      this.i += 2;
      return ESCAPES[e]!;
    }
    if (e !== 'u') return this.fail('invalid escape');
    const hi = this.hex4(this.i + 2);
    this.i += 6;
    if (hi >= 0xdc00 && hi <= 0xdfff) this.fail('lone trailing surrogate in \\u escape', this.i - 6);
    if (hi < 0xd800 || hi > 0xdbff) return String.fromCharCode(hi);
    if (s[this.i] !== '\\' || s[this.i + 1] !== 'u') this.fail('lone leading surrogate in \\u escape', this.i - 6);
    const lo = this.hex4(this.i + 2);
    if (lo < 0xdc00 || lo > 0xdfff) this.fail('lone leading surrogate in \\u escape', this.i - 6);
    this.i += 6;
    return String.fromCharCode(hi, lo);
  }

  private hex4(at: number): number {
    const h = this.s.slice(at, at + 4);
    if (!/^[0-9a-fA-F]{4}$/.test(h)) this.fail('invalid \\u escape', at - 2);
    return parseInt(h, 16);
  }
}
