/**
 * The byte-level corpus streamed from its files (src/train/byte-stream.ts):
 * - every window read back equals the in-memory token stream (text files with and without a BOM,
 *   JSONL records with escapes and multi-byte text, empty documents, both separators), at every
 *   start, across document and file boundaries, and the fingerprint is that stream's sha256;
 * - a 32 MiB corpus is indexed and sampled without holding it (ArrayBuffer memory measured);
 * - a FIFO or device among the data is refused without being read (it could block or never end);
 * - the UTF-8 check reports the first ill-formed sequence where WHATWG's decoder refuses it.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCorpus, openCorpus } from '../../src/train/corpus.js';
import { createSampler } from '../../src/train/sampler.js';
import { Utf8Check } from '../../src/train/utf8-check.js';

const dir = mkdtempSync(join(tmpdir(), 'moec-byte-stream-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The stream as corpus.ts built it in memory before streaming (documents joined by the separator). */
function reference(docs: string[], separator: number[]): Uint16Array {
  const parts = docs.map((d) => Buffer.from(d, 'utf8'));
  const out: number[] = [];
  parts.forEach((p, i) => out.push(...(i ? separator : []), ...p));
  return Uint16Array.from(out);
}

describe('streamed byte corpus', () => {
  it('reads back the in-memory stream window by window, with its fingerprint', () => {
    writeFileSync(join(dir, 'a.txt'), '\ufeffIt is a truth universally acknowledged — ünïcödé 生活.\n');
    writeFileSync(join(dir, 'b.jsonl'), ['{"text":"line \\"one\\"\\n\\u00e9"}', '', '{"text":""}', '\ufeff{"text":"three 🙂","id":3}', '{"text":"four"}'].join('\n'));
    writeFileSync(join(dir, 'c.md'), '');
    writeFileSync(join(dir, 'd.text'), 'x');
    const docs = ['It is a truth universally acknowledged — ünïcödé 生活.\n', 'line "one"\né', 'three 🙂', 'four', 'x'];
    for (const [vocab, separator] of [[300, [256]], [256, [10, 10]]] as const) {
      const c = openCorpus([dir], vocab).value!;
      const want = reference(docs, [...separator]);
      expect(c.documents).toBe(docs.length);
      expect(c.stream.length).toBe(want.length);
      expect(c.fingerprint).toBe(createHash('sha256').update(new Uint8Array(want.buffer)).digest('hex'));
      for (const n of [1, 3, 17, want.length]) for (let s = 0; s < want.length; s++) expect([...c.stream.read(s, n)], `${s}+${n}`).toEqual([...want.subarray(s, s + n)]);
      expect([...loadCorpus([dir], vocab).value!.tokens]).toEqual([...want]);
    }
  });

  it('samples a 32 MiB corpus without holding it', () => {
    const line = 'It is a truth universally acknowledged, that a single man in possession of a good fortune. ';
    const text = line.repeat(Math.ceil((32 << 20) / line.length));
    writeFileSync(join(dir, 'big.txt'), text);
    const before = process.memoryUsage().arrayBuffers;
    const c = openCorpus([join(dir, 'big.txt')], 256).value!;
    const sampler = createSampler(c.stream, 64, 1);
    const batch = sampler.next(8);
    const held = process.memoryUsage().arrayBuffers - before;
    console.log(`byte-stream: 32 MiB corpus indexed and sampled with ${(held / 2 ** 20).toFixed(1)} MiB of ArrayBuffers held (in memory: ${(2 * text.length) / 2 ** 20} MiB of ids)`);
    expect(c.stream.length).toBe(Buffer.byteLength(text));
    expect(held).toBeLessThan(8 << 20);
    for (let r = 0; r < 8; r++) {
      const start = text.indexOf(String.fromCharCode(batch.inputs[r * 64]!, batch.inputs[r * 64 + 1]!, batch.inputs[r * 64 + 2]!));
      expect(start).toBeGreaterThanOrEqual(0);
    }
  });

  it('refuses a FIFO or a device unread (MOE9100)', () => {
    const fifo = join(dir, 'pipe', 'data.txt');
    mkdirSync(join(dir, 'pipe'));
    execFileSync('mkfifo', [fifo]);
    symlinkSync('/dev/zero', join(dir, 'pipe', 'zero.txt'));
    const r = openCorpus([fifo, join(dir, 'pipe', 'zero.txt')], 256);
    expect(r.value).toBeUndefined();
    expect(r.diagnostics.map((d) => d.code)).toEqual(['MOE9100', 'MOE9100']);
  });

  it('finds the first ill-formed UTF-8 sequence where a fatal decoder does, across chunks', () => {
    const cases: [number[], number | undefined][] = [
      [[0x61, 0xc3, 0xa9, 0x62], undefined],
      [[0x61, 0xc3, 0x41], 1], // lead without its continuation
      [[0x80], 0], // lone continuation
      [[0x61, 0xe0, 0x80, 0x80], 1], // overlong
      [[0xed, 0xa0, 0x80], 0], // surrogate
      [[0xf4, 0x90, 0x80, 0x80], 0], // past U+10FFFF
      [[0x61, 0xe2, 0x82], 1], // cut at the end
      [[0xc0, 0xaf], 0],
    ];
    for (const [bytes, bad] of cases) {
      let fatal = false;
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(bytes));
      } catch {
        fatal = true;
      }
      expect(fatal, bytes.join(',')).toBe(bad !== undefined);
      for (let cut = 0; cut <= bytes.length; cut++) {
        const check = new Utf8Check();
        check.push(Uint8Array.from(bytes.slice(0, cut)));
        check.push(Uint8Array.from(bytes.slice(cut)));
        check.end();
        expect(check.bad?.offset, `${bytes.join(',')} cut at ${cut}`).toBe(bad);
      }
    }
  });
});
