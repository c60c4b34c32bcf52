/**
 * Hostile-input fuzzer — mutants. Deterministic: mutant `i` of seed `s` is always the same text,
 * so a failure is reproduced from two numbers. Operators, 1–4 per mutant:
 *   text:       insert characters (brackets, quotes, escapes, control characters), delete,
 *               duplicate or truncate a slice, swap two characters;
 *   numbers:    replace a number with a hostile one (large primes, 2^53 + 1, 1e-400, 1e400, -0,
 *               sizes with suffixes, a leading zero or sign);
 *   strings:    replace a string with control characters, a path escape or 64 KiB of text;
 *   structure:  deep nesting, a line repeated hundreds of times (long lists, duplicate keys),
 *               an import of a device, a path outside the root or the file itself, and for YAML
 *               an alias bomb or an alias cycle.
 */
import type { Seed } from './corpus.js';

/** mulberry32: a small, fast, seedable PRNG (the mutants must not depend on Math.random). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HOSTILE_NUMBERS = [
  '0', '-1', '1', '2', '3', '7', '63', '65537', '4294967297', '9007199254740881', '9007199254740991', '9007199254740993',
  '1e-400', '1e400', '1e308', '-0', '0.5', '1.5e3', '1e9', '99999999999', '2147483648', '0.1e-320', '1_000_000', '1G', '4k', '80GiB',
];
const HOSTILE_STRINGS = ['""', '"\\u001b[31mred\\u001b[0m"', '"a\\nb::error::x"', '"../../x"', '"/dev/zero"', '"\\u202e"', `"${'x'.repeat(4096)}"`];
const INSERTS = ['{', '}', '[', ']', '"', ',', ':', '=', '#', '//', '/*', '\\', '\n', ' ', '-', '.', '..', '0', 'e', 'k', 'G', 'iB', '\u0000', '\u001b', '\u00e9', '\u{1F600}', '&a', '*a', '!!', '? ', '- ', 'import', 'extends', 'model'];
const NUMBER = /-?\d[\w.+-]*/g;
const STRING = /"(?:[^"\\\n]|\\.)*"/g;

export interface Mutant {
  seed: Seed;
  text: string;
  ops: string[];
}

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)]!;
}

function replaceMatch(r: () => number, text: string, re: RegExp, values: readonly string[]): [string, string] {
  const matches = [...text.matchAll(re)];
  if (matches.length === 0) return [text, 'no-match'];
  const m = pick(r, matches);
  const v = pick(r, values);
  return [text.slice(0, m.index) + v + text.slice(m.index! + m[0].length), `replace ${JSON.stringify(m[0]).slice(0, 20)} → ${v.slice(0, 20)}`];
}

function structural(r: () => number, text: string, format: Seed['format']): [string, string] {
  const lines = text.split('\n');
  const at = Math.floor(r() * (lines.length + 1));
  const kind = Math.floor(r() * 6);
  if (kind === 0) {
    const depth = 60 + Math.floor(r() * 20);
    lines.splice(at, 0, `x ${'['.repeat(depth)}1${']'.repeat(depth)}`);
    return [lines.join('\n'), `nest ${depth}`];
  }
  if (kind === 1 && lines.length > 0) {
    const line = lines[Math.min(at, lines.length - 1)]!;
    const times = 20 + Math.floor(r() * 200);
    lines.splice(at, 0, ...Array<string>(times).fill(line));
    return [lines.join('\n'), `repeat line ×${times}`];
  }
  if (format === '.moe.yaml' && kind === 2) {
    const bomb = ['bomb0: &b0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 8; i++) bomb.push(`bomb${i}: &b${i} [${Array(10).fill(`*b${i - 1}`).join(', ')}]`);
    return [text + '\n' + bomb.join('\n') + '\n', 'alias bomb'];
  }
  if (format === '.moe.yaml' && kind === 3) return [text + '\ncycle: &c [*c]\n', 'alias cycle'];
  if (format === '.moe' && kind <= 3) {
    const target = pick(r, ['/dev/zero', '../../../../etc/hostname', 'm.moe', 'missing.moe', '.', '', 'sub/../m.moe']);
    return [`import "${target}"\n` + text, `import ${target}`];
  }
  // A long list: a layer selection of thousands of indices.
  // Mostly a few hundred indices; one in 25 is past the 10,000-item list limit.
  const n = r() < 0.04 ? 10_001 + Math.floor(r() * 100) : 50 + Math.floor(r() * 1000);
  const list = format === '.moe.json' ? `"layers": [${Array.from({ length: n }, (_, i) => i).join(',')}],` : `layers [${Array.from({ length: n }, (_, i) => i).join(', ')}]`;
  lines.splice(at, 0, list);
  return [lines.join('\n'), `list of ${n}`];
}

function textOp(r: () => number, text: string): [string, string] {
  const at = Math.floor(r() * (text.length + 1));
  switch (Math.floor(r() * 5)) {
    case 0: {
      const s = pick(r, INSERTS);
      return [text.slice(0, at) + s + text.slice(at), `insert ${JSON.stringify(s)} at ${at}`];
    }
    case 1: {
      const n = 1 + Math.floor(r() * 12);
      return [text.slice(0, at) + text.slice(at + n), `delete ${n} at ${at}`];
    }
    case 2: {
      const n = 1 + Math.floor(r() * 80);
      return [text.slice(0, at) + text.slice(at, at + n) + text.slice(at), `duplicate ${n} at ${at}`];
    }
    case 3:
      return [text.slice(0, at), `truncate at ${at}`];
    default: {
      const to = Math.floor(r() * text.length);
      if (text.length < 2) return [text, 'swap (short)'];
      const a = Math.min(at, text.length - 1);
      const [x, y] = a < to ? [a, to] : [to, a];
      return [text.slice(0, x) + text[y] + text.slice(x + 1, y) + text[x] + text.slice(y + 1), `swap ${x} ${y}`];
    }
  }
}

/** Mutant `index` of the run seeded with `runSeed`. */
export function mutant(corpus: readonly Seed[], runSeed: number, index: number): Mutant {
  const r = rng((runSeed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0);
  const seed = corpus[Math.floor(r() * corpus.length)]!;
  let text = seed.text;
  const ops: string[] = [];
  const count = 1 + Math.floor(r() * 4);
  for (let k = 0; k < count; k++) {
    const family = r();
    let op: string;
    if (family < 0.45) [text, op] = textOp(r, text);
    else if (family < 0.75) [text, op] = replaceMatch(r, text, NUMBER, HOSTILE_NUMBERS);
    else if (family < 0.9) [text, op] = replaceMatch(r, text, STRING, HOSTILE_STRINGS);
    else [text, op] = structural(r, text, seed.format);
    ops.push(op);
  }
  return { seed, text, ops };
}
