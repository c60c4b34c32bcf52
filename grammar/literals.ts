/**
 * Phase: AST. What number, size and string literal texts mean (docs/language.md, "Syntax").
 * The lexer accepts any digit-led word as a Number token; these functions decide whether the
 * text is a number, a size in bytes, or invalid, and decode string escapes.
 */

const INT = String.raw`\d(?:_?\d)*`;
const DECIMAL = new RegExp(String.raw`^-?${INT}(?:\.${INT})?(?:[eE][+-]?\d+)?$`);
const SUFFIXED = new RegExp(String.raw`^(-?${INT})([kMG])$`);
const SIZE = new RegExp(String.raw`^(${INT}(?:\.${INT})?)(B|KiB|MiB|GiB|TiB|KB|MB|GB|TB)$`);

const SUFFIX: Record<string, number> = { k: 1024, M: 1024 ** 2, G: 1024 ** 3 };
const UNIT: Record<string, number> = {
  B: 1,
  KiB: 1024,
  MiB: 1024 ** 2,
  GiB: 1024 ** 3,
  TiB: 1024 ** 4,
  KB: 1e3,
  MB: 1e6,
  GB: 1e9,
  TB: 1e12,
};

export type NumberMeaning =
  | { kind: 'number' | 'size'; value: number }
  | { kind: 'invalid'; reason: 'form' | 'too-large' | 'underflow' | 'negative-size'; hint?: string };

const digits = (text: string): number => Number(text.replace(/_/g, ''));

/** Whether a decimal literal's mantissa has a non-zero digit (so it is not meant as 0). */
export function isNonZero(text: string): boolean {
  return /[1-9]/.test(text.split(/[eE]/)[0]!);
}

/** Interpret the text of a Number token. */
export function interpretNumber(text: string): NumberMeaning {
  if (DECIMAL.test(text)) {
    const value = digits(text);
    if (!Number.isFinite(value)) return { kind: 'invalid', reason: 'too-large' };
    if (/^-?[\d_]+$/.test(text) && !Number.isSafeInteger(value)) return { kind: 'invalid', reason: 'too-large' };
    // `1e-400` reads as 0: refuse it rather than silently turn a coefficient off.
    if (value === 0 && isNonZero(text)) return { kind: 'invalid', reason: 'underflow' };
    return { kind: 'number', value };
  }
  const suffixed = SUFFIXED.exec(text);
  if (suffixed) {
    const value = digits(suffixed[1]) * SUFFIX[suffixed[2]];
    return Number.isSafeInteger(value) ? { kind: 'number', value } : { kind: 'invalid', reason: 'too-large' };
  }
  const size = SIZE.exec(text.startsWith('-') ? text.slice(1) : text);
  if (size) {
    if (text.startsWith('-')) return { kind: 'invalid', reason: 'negative-size' };
    // Math.round: 0.3GB is 300000000 bytes, not 300000000.00000006.
    const value = Math.round(digits(size[1]) * UNIT[size[2]]);
    return Number.isSafeInteger(value) ? { kind: 'size', value } : { kind: 'invalid', reason: 'too-large' };
  }
  return { kind: 'invalid', reason: 'form', hint: suggestNumber(text) };
}

/** A targeted hint for the common near-misses (`4K`, `80gib`, `80G` meant as a size). */
function suggestNumber(text: string): string | undefined {
  const m = /^(-?[\d_.]+)([A-Za-z]+)$/.exec(text);
  if (!m) return undefined;
  const [, num, unit] = m;
  if (unit === 'K') return `integer suffixes are \`k\`, \`M\`, \`G\` (binary): write \`${num}k\``;
  const size = Object.keys(UNIT).find((u) => u.toLowerCase() === unit.toLowerCase());
  if (size) return `sizes are case-sensitive: write \`${num}${size}\``;
  if (/^(g|m|t)i?$/i.test(unit)) return `for a size in bytes write \`${num}${unit[0].toUpperCase()}iB\` (binary) or \`${num}${unit[0].toUpperCase()}B\` (decimal)`;
  return undefined;
}

export type StringMeaning = { ok: true; value: string } | { ok: false; reason: 'unterminated' | 'escape'; at: number; escape?: string };

const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', '0': '\0' };

/**
 * Decode a String token's text. Escapes: `\" \\ \/ \n \t \r \b \f \0`, `\uXXXX` and `\u{X…}`
 * (a superset of what JSON.stringify writes, which is how fmt re-escapes).
 * `at` is the offset of the problem within the token text.
 */
export function interpretString(raw: string): StringMeaning {
  let out = '';
  let i = 1;
  while (i < raw.length) {
    const c = raw[i];
    if (c === '"') return i === raw.length - 1 ? { ok: true, value: out } : { ok: false, reason: 'unterminated', at: i };
    if (c !== '\\') {
      out += c;
      i++;
      continue;
    }
    const e = raw[i + 1];
    if (e !== undefined && e in ESCAPES) {
      out += ESCAPES[e];
      i += 2;
      continue;
    }
    const braced = /^u\{([0-9A-Fa-f]{1,6})\}/.exec(raw.slice(i + 1));
    const plain = /^u([0-9A-Fa-f]{4})/.exec(raw.slice(i + 1));
    const code = braced ? parseInt(braced[1], 16) : plain ? parseInt(plain[1], 16) : -1;
    if (code < 0 || code > 0x10ffff) return { ok: false, reason: 'escape', at: i, escape: raw.slice(i, i + 2) };
    out += braced ? String.fromCodePoint(code) : String.fromCharCode(code);
    i += 1 + (braced ?? plain)![0].length;
  }
  return { ok: false, reason: 'unterminated', at: raw.length };
}

/** The canonical spelling of a string literal (what fmt prints). */
export function quoteString(value: string): string {
  return JSON.stringify(value);
}
