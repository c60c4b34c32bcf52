import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCorpus } from '../../src/train/corpus.js';
import { createSampler } from '../../src/train/sampler.js';

const dir = mkdtempSync(join(tmpdir(), 'moec-data-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('training data', () => {
  it('reads text files, JSONL text fields and directories in sorted order, byte-tokenized', () => {
    mkdirSync(join(dir, 'd'));
    writeFileSync(join(dir, 'd', 'b.txt'), 'héllo');
    writeFileSync(join(dir, 'd', 'a.jsonl'), '{"text":"ab"}\n\n{"text":"c","id":2}\n');
    const c = loadCorpus([join(dir, 'd')], 256).value!;
    expect(c.documents).toBe(3);
    // a.jsonl's two documents, then b.txt; a 256-entry vocab separates documents with "\n\n".
    expect([...c.tokens]).toEqual([97, 98, 10, 10, 99, 10, 10, ...Buffer.from('héllo')]);
    const withEos = loadCorpus([join(dir, 'd')], 300).value!;
    expect([...withEos.tokens.slice(0, 4)]).toEqual([97, 98, 256, 99]);
  });

  it('reports bad JSONL lines, unmatched paths and a small vocabulary', () => {
    writeFileSync(join(dir, 'bad.jsonl'), '{"text":"ok"}\n{"body":"x"}\nnot json\n');
    const bad = loadCorpus([join(dir, 'bad.jsonl')], 256);
    expect(bad.value).toBeUndefined();
    expect(bad.diagnostics.map((d) => [d.code, d.message.split(': ')[0]])).toEqual([
      ['MOE6521', `${join(dir, 'bad.jsonl')}:2`],
      ['MOE6521', `${join(dir, 'bad.jsonl')}:3`],
    ]);
    expect(loadCorpus([join(dir, 'nothing-*.txt')], 256).diagnostics.map((d) => d.code)).toEqual(['MOE6520']);
    expect(loadCorpus([], 100).diagnostics.map((d) => d.code)).toEqual(['MOE6523']);
  });

  it('shows ten bad JSONL records and a count of the rest, not thousands of lines', () => {
    writeFileSync(join(dir, 'many-bad.jsonl'), 'nope\n'.repeat(5000));
    const r = loadCorpus([join(dir, 'many-bad.jsonl')], 256);
    expect(r.diagnostics).toHaveLength(11);
    expect(r.diagnostics[10]!.message).toContain('4990 more bad records not shown (5000 in all)');
  });

  it('refuses files that are not UTF-8 text instead of training on replacement characters', () => {
    writeFileSync(join(dir, 'latin1.txt'), Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x21])); // "café!" in Latin-1
    writeFileSync(join(dir, 'blob.bin'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x00, 0x00]));
    const latin = loadCorpus([join(dir, 'latin1.txt')], 256);
    expect(latin.value).toBeUndefined();
    expect(latin.diagnostics.map((d) => d.code)).toEqual(['MOE6524']);
    expect(latin.diagnostics[0]!.message).toContain('byte 0xe9 at offset 3 is not valid UTF-8');
    expect(latin.diagnostics[0]!.hint).toContain('UTF-8');
    const blob = loadCorpus([join(dir, 'blob.bin')], 256);
    expect(blob.diagnostics.map((d) => d.code)).toEqual(['MOE6524']);
    expect(blob.diagnostics[0]!.message).toContain('NUL byte at offset 5');
    // A UTF-8 byte-order mark is not part of the text.
    writeFileSync(join(dir, 'bom.jsonl'), '\ufeff{"text":"ab"}\n');
    expect([...loadCorpus([join(dir, 'bom.jsonl')], 256).value!.tokens]).toEqual([97, 98]);
  });

  it('ships a demo text of 50–150 KB', () => {
    const c = loadCorpus([], 256).value!;
    expect(c.files.length).toBeGreaterThanOrEqual(2);
    expect(c.tokens.length).toBeGreaterThan(50_000);
    expect(c.tokens.length).toBeLessThan(150_000);
  });
});

describe('sampler', () => {
  const tokens = Uint16Array.from({ length: 1001 }, (_, i) => i); // token = its position

  it('draws input/target windows shifted by one, each sample once per epoch', () => {
    const s = createSampler(tokens, 10, 7);
    expect(s.samples).toBe(100);
    const starts = new Set<number>();
    for (let i = 0; i < 25; i++) {
      const b = s.next(4);
      for (let r = 0; r < 4; r++) {
        expect(b.targets[r * 10]).toBe(b.inputs[r * 10]! + 1);
        starts.add(b.inputs[r * 10]!);
      }
    }
    expect(starts.size).toBe(100);
    expect(s.state().epoch).toBe(0);
    s.next(1);
    expect(s.state().epoch).toBe(1);
  });

  it('continues exactly from a saved state, across an epoch boundary', () => {
    const a = createSampler(tokens, 10, 3);
    for (let i = 0; i < 20; i++) a.next(4);
    const saved = JSON.parse(JSON.stringify(a.state()));
    const b = createSampler(tokens, 10, 3, saved);
    for (let i = 0; i < 15; i++) expect([...b.next(4).inputs]).toEqual([...a.next(4).inputs]);
    expect(b.state()).toEqual(a.state());
  });

  it('is a function of the seed', () => {
    const x = createSampler(tokens, 10, 1).next(8).inputs;
    expect([...createSampler(tokens, 10, 1).next(8).inputs]).toEqual([...x]);
    expect([...createSampler(tokens, 10, 2).next(8).inputs]).not.toEqual([...x]);
  });
});
