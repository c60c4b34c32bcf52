/**
 * Fuzz: mutated safetensors files (random byte flips in the header and anywhere, arbitrary u64
 * header lengths up to 2^64−1, truncation and appended bytes, JSON-level mutations of dtype /
 * shape / data_offsets / __metadata__ with wrong types, huge and negative numbers, deep and huge
 * JSON) through openSafetensors and every tensor read. For every input:
 * - no exception, and a bounded run (the vitest timeout is the hang bound);
 * - no buffer larger than the file is ever allocated (positioned-io's allocation probe), and the
 *   RSS stays flat for 10 GB / 2^64−1 declared lengths;
 * - accepted ⇔ valid according to an independent, deliberately naive validator written here
 *   from the format rules (JSON.parse + BigInt arithmetic); the only tolerated disagreements are
 *   the ones JSON.parse cannot see (duplicate keys, lone surrogate escapes, `1.0`-style integers,
 *   nesting deeper than serde_json's 128), and each of those must be visible in the text;
 * - rejected ⇒ at least one error, every diagnostic a known code that names the file;
 * - accepted ⇒ the tensors tile the data exactly and every tensor reads back without diagnostics.
 */
import fc from 'fast-check';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { diagnosticTable } from '../../src/diagnostics/codes/index.js';
import { convertsToFloat32, DTYPES, isDtype, openSafetensors, writeSafetensors } from '../../src/interop/safetensors/index.js';
import { largestAllocation, resetAllocationProbe } from '../../src/interop/safetensors/positioned-io.js';
import { craftBytes, FIXTURES, tempDir } from '../interop/safetensors/helpers.js';

const SEED = 20261127;

/** The format's rules, restated as simply as possible (not moec's code path). */
function naiveValid(bytes: Uint8Array): boolean {
  if (bytes.length < 8) return false;
  const n = new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true);
  if (n > 100_000_000n || n > BigInt(bytes.length - 8)) return false;
  let text: string;
  let root: unknown;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes.subarray(8, 8 + Number(n)));
    if (text[0] !== '{') return false;
    root = JSON.parse(text);
  } catch {
    return false;
  }
  const buffer = BigInt(bytes.length - 8) - n;
  const spans: [bigint, bigint][] = [];
  for (const [key, v] of Object.entries(root as Record<string, unknown>)) {
    if (key === '__metadata__') {
      if (v === null) continue;
      if (typeof v !== 'object' || Array.isArray(v) || Object.values(v as object).some((x) => typeof x !== 'string')) return false;
      continue;
    }
    const e = v as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof e !== 'object' || e === null || Array.isArray(e)) return false;
    if (typeof e.dtype !== 'string' || !isDtype(e.dtype)) return false;
    // serde_json reads `-0` as a float, so it is not a usize either
    const whole = (x: unknown) => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0 && !Object.is(x, -0);
    if (!Array.isArray(e.shape) || !e.shape.every(whole)) return false;
    if (!Array.isArray(e.data_offsets) || e.data_offsets.length !== 2 || !e.data_offsets.every(whole)) return false;
    const [b, end] = (e.data_offsets as number[]).map(BigInt) as [bigint, bigint];
    const bits = (e.shape as number[]).reduce((a, d) => a * BigInt(d), 1n) * BigInt(DTYPES[e.dtype].bits);
    if (end < b || end > buffer || bits % 8n !== 0n || bits / 8n !== end - b) return false;
    spans.push([b, end]);
  }
  spans.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0));
  let at = 0n;
  for (const [b, end] of spans) {
    if (b !== at) return false;
    at = end;
  }
  return at === buffer;
}

/** Disagreements JSON.parse cannot see; each must be visible in the header text. */
function explainsDisagreement(bytes: Uint8Array, messages: string): boolean {
  const text = Buffer.from(bytes.subarray(8)).toString('utf8');
  if (/names `.*` twice/.test(messages)) return true; // duplicate key: JSON.parse keeps the last
  if (messages.includes('surrogate')) return /\\u[dD][89a-fA-F]/.test(text);
  if (messages.includes('nested deeper')) return true;
  if (messages.includes('not a whole number')) return /[0-9][.eE]/.test(text); // 1.0, 1e0: JSON.parse gives an integer
  return false;
}

let path = '';
beforeEach(() => {
  path = join(tempDir(), 'fuzz.safetensors');
});

/** Run the reader on `bytes`; check every property above. */
function check(bytes: Uint8Array): void {
  writeFileSync(path, bytes);
  resetAllocationProbe();
  const r = openSafetensors(path);
  const accepted = r.value !== undefined;
  for (const d of r.diagnostics) {
    expect(d.code in diagnosticTable).toBe(true);
    expect(d.message).toContain(path);
  }
  const naive = naiveValid(bytes);
  if (accepted !== naive) {
    const messages = r.diagnostics.map((d) => d.message).join('\n');
    if (accepted || !explainsDisagreement(bytes, messages)) {
      expect.fail(`moec ${accepted ? 'accepts' : 'rejects'} a file the naive validator ${naive ? 'accepts' : 'rejects'}: ${messages}\n${Buffer.from(bytes.subarray(8, 400)).toString('latin1')}`);
    }
  }
  if (!accepted) {
    expect(r.diagnostics.some((d) => d.severity === 'error')).toBe(true);
  } else {
    const f = r.value!;
    let at = f.header.dataOffset;
    for (const t of f.tensors) {
      expect(t.offset).toBe(at);
      at += t.byteLength;
      expect(f.readRaw(t.name).diagnostics).toEqual([]);
      if (convertsToFloat32(t.dtype)) expect(f.readFloat32(t.name).diagnostics).toEqual([]);
    }
    expect(at).toBe(bytes.length);
    f.close();
  }
  expect(largestAllocation()).toBeLessThanOrEqual(bytes.length);
}

const bases: [string, Uint8Array][] = [
  ['dtypes fixture', new Uint8Array(readFileSync(join(FIXTURES, 'dtypes.safetensors')))],
  ['shard fixture', new Uint8Array(readFileSync(join(FIXTURES, 'sharded', 'model-00003-of-00006.safetensors')))],
  ['hand-made', craftBytes({ __metadata__: { format: 'pt' }, a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'BF16', shape: [1, 2], data_offsets: [8, 12] } }, 12)],
];
const headerLength = (b: Uint8Array) => Number(new DataView(b.buffer, b.byteOffset).getBigUint64(0, true));

describe.each(bases)('%s', (_, base) => {
  it('survives random byte flips in the header', () => {
    const n = headerLength(base);
    const flips = fc.array(fc.tuple(fc.integer({ min: 8, max: 8 + n - 1 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 });
    fc.assert(
      fc.property(flips, (fs) => {
        const b = base.slice();
        for (const [i, v] of fs) b[i] = v;
        check(b);
      }),
      { seed: SEED, numRuns: 400 },
    );
  });

  it('survives flips anywhere, arbitrary declared lengths, truncation and appended bytes', () => {
    const mutation = fc.oneof(
      fc.tuple(fc.constant('flip'), fc.integer({ min: 0, max: base.length - 1 }), fc.integer({ min: 0, max: 255 })),
      fc.tuple(fc.constant('length'), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.constant(0)),
      fc.tuple(fc.constant('length'), fc.bigInt({ min: BigInt(headerLength(base) - 16), max: BigInt(headerLength(base) + 16) }), fc.constant(0)),
      fc.tuple(fc.constant('cut'), fc.integer({ min: 0, max: base.length }), fc.constant(0)),
      fc.tuple(fc.constant('append'), fc.integer({ min: 1, max: 64 }), fc.integer({ min: 0, max: 255 })),
    );
    fc.assert(
      fc.property(mutation, ([kind, a, v]) => {
        let b = base.slice();
        if (kind === 'flip') b[a as number] = v;
        if (kind === 'length') new DataView(b.buffer).setBigUint64(0, a as bigint, true);
        if (kind === 'cut') b = b.subarray(0, a as number);
        if (kind === 'append') b = Uint8Array.from([...b, ...new Array(a as number).fill(v)]);
        check(b);
      }),
      { seed: SEED, numRuns: 400 },
    );
  });

  it('survives JSON-level mutations of entries and metadata', () => {
    const n = headerLength(base);
    const header = JSON.parse(Buffer.from(base.subarray(8, 8 + n)).toString('utf8')) as Record<string, Record<string, unknown>>;
    const data = base.subarray(8 + n);
    const keys = Object.keys(header);
    const value = fc.oneof(
      fc.constantFrom(0, -1, 1, 2, 3, 4, 8, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 64, -0.5, 1.5, 1e300, null, true, '', 'F32', 'BF16', 'F8_E8M0', 'F4', 'C64', 'float32', 'NOPE'),
      fc.array(fc.integer({ min: -2, max: 40 }), { maxLength: 4 }),
      fc.array(fc.constantFrom(0, 1, 2 ** 40, 2 ** 53, -1, 0.5), { minLength: 2, maxLength: 2 }),
      fc.dictionary(fc.string({ maxLength: 4 }), fc.oneof(fc.string({ maxLength: 4 }), fc.integer())),
      fc.constant({}),
    );
    const field = fc.constantFrom('dtype', 'shape', 'data_offsets', 'extra', '__whole__');
    fc.assert(
      fc.property(fc.constantFrom(...keys, '__metadata__', 'new'), field, value, fc.boolean(), (key, f, v, keepLength) => {
        const h = structuredClone(header);
        if (f === '__whole__' || key === '__metadata__') h[key] = v as Record<string, unknown>;
        else h[key] = { ...(h[key] ?? {}), [f]: v };
        const text = JSON.stringify(h);
        check(craftBytes(text, data, keepLength ? BigInt(n) : undefined));
      }),
      { seed: SEED, numRuns: 400 },
    );
  });
});

describe('hostile extremes', () => {
  it('10 GB and 2^64−1 declared header lengths: refused before any allocation, RSS flat', () => {
    const rss = process.memoryUsage().rss;
    for (const length of [10_000_000_000n, 2n ** 64n - 1n, 100_000_001n, 99_999_999n]) check(craftBytes('{}', 0, length));
    expect(process.memoryUsage().rss - rss).toBeLessThan(64 << 20);
  });

  it('deep JSON (100k levels) is refused without a stack overflow', () => {
    check(craftBytes(`{"a":${'['.repeat(100_000)}${']'.repeat(100_000)}}`));
    check(craftBytes(`{"a":${'{"b":'.repeat(50_000)}1${'}'.repeat(50_000)}}`));
  });

  it('a huge valid header (200,000 tensors, ~13 MB) is read; the same with one bad entry is refused', () => {
    const tensors = Array.from({ length: 200_000 }, (_, i) => ({ name: `model.layers.${i}.w`, dtype: 'BF16' as const, shape: [0, 7], data: new Uint8Array(0) }));
    const big = join(tempDir(), 'big.safetensors');
    expect(writeSafetensors(big, tensors).diagnostics).toEqual([]);
    const bytes = new Uint8Array(readFileSync(big));
    expect(headerLength(bytes)).toBeGreaterThan(10_000_000);
    const r = openSafetensors(big);
    expect(r.value!.tensors).toHaveLength(200_000);
    r.value!.close();
    const text = Buffer.from(bytes.subarray(8)).toString('utf8').replace('"shape":[0,7]', '"shape":[1,7]');
    check(craftBytes(text)); // the first entry now claims 7 elements in 0 bytes
  });

  it('huge numbers, long strings and many metadata keys', () => {
    check(craftBytes(`{"a":{"dtype":"F32","shape":[${'9'.repeat(5000)}],"data_offsets":[0,4]}}`, 4));
    check(craftBytes(`{"${'x'.repeat(1_000_000)}":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}`, 1));
    const meta = Object.fromEntries(Array.from({ length: 50_000 }, (_, i) => [`k${i}`, 'v'.repeat(i % 7)]));
    check(craftBytes({ __metadata__: meta }));
  });
});
