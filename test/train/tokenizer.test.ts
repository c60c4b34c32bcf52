/**
 * The model's own tokenizer (src/train/tokenizer.ts) against the reference ids the Python
 * `tokenizers` library produced (published by transformers.js; test/fixtures/tokenizers/*​/
 * expected.json names the source): a byte-level BPE (Qwen2) and a SentencePiece-style BPE with
 * byte fallback (Llama 2), on English, digits, accented Latin and Chinese text — ids exactly
 * equal, and decode(encode(text)) = text. Then: a directory or a file path loads; the vocab check
 * (MOE6622), missing and broken files (MOE6620, MOE6621); and a training corpus through the
 * tokenizer (32-bit ids, eos between documents).
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCorpus } from '../../src/train/corpus.js';
import { checkTokenizerVocab, loadTokenizer } from '../../src/train/tokenizer.js';

const FIXTURES = 'test/fixtures/tokenizers';
const root = mkdtempSync(join(tmpdir(), 'moec-tokenizer-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface Expected {
  source: string;
  add_special_tokens: boolean;
  vectors: { name: string; text: string; ids: number[] }[];
}

describe('tokenizer.json through @huggingface/tokenizers', () => {
  for (const name of ['qwen2-tiny', 'llama2-tiny']) {
    it(`${name}: ids equal the reference library's`, () => {
      const dir = join(FIXTURES, name);
      const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Expected;
      expect(expected.source).toMatch(/^huggingface\/transformers\.js@[0-9a-f]{40} /);
      const t = loadTokenizer(dir).value!;
      expect(t).toBeDefined();
      expect(expected.vectors.map((v) => v.text).join('')).toMatch(/[\u4e00-\u9fff]/); // multilingual: CJK included
      for (const v of expected.vectors) {
        const ids = t.encode(v.text, { special: expected.add_special_tokens });
        expect(ids, v.name).toEqual(v.ids);
        const body = expected.add_special_tokens ? ids.slice(1) : ids;
        expect(t.decode(body), v.name).toBe(v.text);
      }
    });
  }

  it('loads a file path too, reads special tokens and the chat template, and checks the vocab size', () => {
    const t = loadTokenizer(join(FIXTURES, 'llama2-tiny', 'tokenizer.json')).value!;
    expect(t.bos).toEqual({ id: 1, token: '<s>' });
    expect(t.eos).toEqual({ id: 2, token: '</s>' });
    expect(t.chatTemplate).toContain('[INST]');
    expect(checkTokenizerVocab(t, t.size)).toEqual([]);
    const d = checkTokenizerVocab(t, t.size - 1);
    expect(d.map((x) => x.code)).toEqual(['MOE6622']);
    expect(d[0]!.message).toContain(`${t.size} token ids`);
  });

  it('reports a missing tokenizer and a broken one', () => {
    expect(loadTokenizer(join(root, 'nope')).diagnostics.map((d) => d.code)).toEqual(['MOE6620']);
    expect(loadTokenizer(root).diagnostics.map((d) => d.code)).toEqual(['MOE6620']);
    const bad = join(root, 'bad.json');
    writeFileSync(bad, '{"model": ');
    expect(loadTokenizer(bad).diagnostics.map((d) => d.code)).toEqual(['MOE6621']);
    writeFileSync(bad, '{"version": "1.0"}');
    expect(loadTokenizer(bad).diagnostics.map((d) => d.code)).toEqual(['MOE6621']);
  });

  it('blames a broken tokenizer_config.json on that file, and reads a list of named chat templates', () => {
    const dir = join(root, 'with-config');
    mkdirSync(dir);
    copyFileSync(join(FIXTURES, 'llama2-tiny', 'tokenizer.json'), join(dir, 'tokenizer.json'));
    const configFile = join(dir, 'tokenizer_config.json');
    for (const body of ['{"bos_token": ', 'null']) {
      writeFileSync(configFile, body);
      const d = loadTokenizer(dir).diagnostics;
      expect(d.map((x) => x.code)).toEqual(['MOE6621']);
      expect(d[0]!.message).toContain('tokenizer_config.json');
    }
    // transformers' list form (tokenization_utils_base.py): the template named "default" is used.
    const config = JSON.parse(readFileSync(join(FIXTURES, 'llama2-tiny', 'tokenizer_config.json'), 'utf8')) as { chat_template: string };
    writeFileSync(configFile, JSON.stringify({ ...config, chat_template: [{ name: 'tool_use', template: 'tools' }, { name: 'default', template: config.chat_template }] }));
    expect(loadTokenizer(dir).value!.chatTemplate).toBe(config.chat_template);
  });

  it('adds bos/eos as tokenizer_config.json\'s add_bos_token / add_eos_token say for a Llama tokenizer (LlamaTokenizerFast.update_post_processor)', () => {
    const dir = join(root, 'llama-flags');
    mkdirSync(dir);
    copyFileSync(join(FIXTURES, 'llama2-tiny', 'tokenizer.json'), join(dir, 'tokenizer.json'));
    const config = JSON.parse(readFileSync(join(FIXTURES, 'llama2-tiny', 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
    const plain = loadTokenizer(join(FIXTURES, 'llama2-tiny')).value!.encode('Hello World');
    const withFlags = (flags: Record<string, unknown>) => {
      writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ ...config, ...flags }));
      return loadTokenizer(dir).value!.encode('Hello World', { special: true });
    };
    expect(withFlags({})).toEqual([1, ...plain]);
    expect(withFlags({ add_bos_token: false })).toEqual(plain);
    expect(withFlags({ add_eos_token: true })).toEqual([1, ...plain, 2]);
    expect(withFlags({ add_bos_token: false, add_eos_token: true })).toEqual([...plain, 2]);
    // Other tokenizer classes keep tokenizer.json's post-processor.
    expect(withFlags({ tokenizer_class: 'PreTrainedTokenizerFast', add_bos_token: false })).toEqual([1, ...plain]);
  });

  it('takes bos/eos from special_tokens_map.json where tokenizer_config.json leaves them out', () => {
    const dir = join(root, 'special-map');
    mkdirSync(dir);
    copyFileSync(join(FIXTURES, 'llama2-tiny', 'tokenizer.json'), join(dir, 'tokenizer.json'));
    writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ tokenizer_class: 'LlamaTokenizer' }));
    writeFileSync(join(dir, 'special_tokens_map.json'), JSON.stringify({ bos_token: { content: '<s>' }, eos_token: '</s>' }));
    const t = loadTokenizer(dir).value!;
    expect(t.bos).toEqual({ id: 1, token: '<s>' });
    expect(t.eos).toEqual({ id: 2, token: '</s>' });
    writeFileSync(join(dir, 'special_tokens_map.json'), '{');
    expect(loadTokenizer(dir).diagnostics[0]!.message).toContain('special_tokens_map.json');
  });

  it('tokenizes a training corpus: each document with its special tokens, then eos', () => {
    const t = loadTokenizer(join(FIXTURES, 'llama2-tiny')).value!;
    const data = join(root, 'docs.jsonl');
    writeFileSync(data, ['Hello World', 'How are you doing?'].map((text) => JSON.stringify({ text })).join('\n'));
    const c = loadCorpus([data], t.size, t).value!;
    expect(c.tokens).toBeInstanceOf(Uint32Array);
    expect([...c.tokens]).toEqual([1, 15043, 2787, 2, 1, 1128, 526, 366, 2599, 29973, 2]);
    expect(c.documents).toBe(2);
  });
});
