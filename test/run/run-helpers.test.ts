/** `moec run` building blocks: the byte tokenizer, --ids parsing, metadata read without the graph. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { afterAll, describe, expect, it } from 'vitest';
import { ByteDecoder, decodeBytes, encodeBytes, visibleText } from '../../src/run/byte-tokenizer.js';
import { argmax } from '../../src/run/lm-session.js';
import { readModelMetadata } from '../../src/run/model-metadata.js';
import { parseIds } from '../../src/run/run-command.js';

const root = mkdtempSync(join(tmpdir(), 'moec-run-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('byte tokenizer', () => {
  it('shows control bytes as escapes so generated text cannot drive the terminal', () => {
    expect(visibleText('a\x1b[2Jb\x07\x7f')).toBe('a\\x1b[2Jb\\x07\\x7f');
    expect(visibleText('line\n\ttab é')).toBe('line\n\ttab é');
  });
  it('round-trips UTF-8 text byte by byte', () => {
    const text = 'héllo → 世界 🙂';
    expect(encodeBytes('é')).toEqual([0xc3, 0xa9]);
    expect(decodeBytes(encodeBytes(text))).toBe(text);
  });
  it('streams: a character split across tokens appears when complete', () => {
    const d = new ByteDecoder();
    expect(d.push(0xe4)).toBe('');
    expect(d.push(0xb8)).toBe('');
    expect(d.push(0x96)).toBe('世');
  });
  it('decodes invalid sequences leniently and marks ids past the bytes', () => {
    expect(decodeBytes([0xff, 0x41])).toBe('\uFFFDA');
    expect(decodeBytes([0xe4, 0xb8])).toBe('\uFFFD');
    expect(decodeBytes([0x41, 300])).toBe('A<|300|>');
  });
});

describe('--ids and greedy choice', () => {
  it('parses comma or space separated ids and explains what is wrong', () => {
    expect(parseIds('1,2, 3  4')).toEqual([1, 2, 3, 4]);
    expect(parseIds(' , ')).toBe('no token ids given');
    expect(parseIds('1,-2')).toMatch(/`-2` is not a token id/);
    expect(parseIds('1.5')).toMatch(/not a token id/);
  });
  it('argmax takes the lower id on ties', () => {
    expect(argmax([0.1, 0.5, 0.5, 0.2])).toBe(1);
  });
});

describe('readModelMetadata', () => {
  it('reads metadata_props wherever they are, skipping the graph', () => {
    const model = onnxProto.onnx.ModelProto.create({
      irVersion: 10,
      graph: { name: 'g', initializer: [{ name: 'w', dataType: 1, dims: [1000], rawData: new Uint8Array(4000) }] },
      metadataProps: [{ key: 'moec.vocab', value: '256' }, { key: 'moec.name', value: 'tiny ü' }],
      producerName: 'moec',
    });
    const path = join(root, 'm.onnx');
    writeFileSync(path, onnxProto.onnx.ModelProto.encode(model).finish());
    expect(readModelMetadata(path)).toEqual({ 'moec.vocab': '256', 'moec.name': 'tiny ü' });
  });
  it('throws on a file that is not a protobuf (the caller turns it into MOE5510)', () => {
    const path = join(root, 'bad.onnx');
    writeFileSync(path, 'hello world, not protobuf');
    expect(() => readModelMetadata(path)).toThrow();
  });
});
