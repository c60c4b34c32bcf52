/**
 * Fine-tuning data (src/train/examples.ts, record-index.ts, packing.ts, packed-data.ts):
 * - chat records through the tokenizer's chat template: the loss mask covers exactly the
 *   assistant turns and the end-of-turn tokens the template writes after them;
 * - prompt/completion records: loss on the completion and eos only;
 * - packing: Best Fit Decreasing rows within seq_len, one segment per example, positions
 *   restarting at 0, no target across an example boundary or on padding, prompt tokens never
 *   targets; long text split, long chat truncated with MOE6643; bad records reported (MOE6640),
 *   chat without a template (MOE6641);
 * - a LoRA fine-tune on chat data with a held-out split (wasm): eval_loss (assistant tokens of the
 *   held-out conversations) goes down, and resume reproduces the packed batches exactly.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { chatExample, chatRenderer, promptCompletionExample, recordExample, textExample } from '../../src/train/examples.js';
import { runTraining } from '../../src/train/loop.js';
import { readMetrics } from '../../src/train/metrics.js';
import { loadPackedData } from '../../src/train/packed-data.js';
import { packBestFit, unitsOf } from '../../src/train/packing.js';
import { indexRecords, MAX_TEXT_RECORD_BYTES, readExample } from '../../src/train/record-index.js';
import { loadTokenizer } from '../../src/train/tokenizer.js';
import { buildTinyIR } from './tiny-model.js';

const root = mkdtempSync(join(tmpdir(), 'moec-sft-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const qwen = loadTokenizer('test/fixtures/tokenizers/qwen2-tiny').value!;
const llama = loadTokenizer('test/fixtures/tokenizers/llama2-tiny').value!;
const jsonl = (name: string, records: unknown[]) => {
  const f = join(root, name);
  writeFileSync(f, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return f;
};
const chat = (q: string, a: string) => ({ messages: [{ role: 'user', content: q }, { role: 'assistant', content: a }] });

describe('examples', () => {
  it('chat: loss on the assistant turn and its end-of-turn tokens only', () => {
    const ex = chatExample(qwen, chatRenderer(qwen), [
      { role: 'user', content: 'How are you doing?' },
      { role: 'assistant', content: 'Hello World' },
      { role: 'user', content: 'UNwanted' },
      { role: 'assistant', content: 'The company' },
    ]);
    if (!('ids' in ex)) throw new Error(JSON.stringify(ex));
    const targets = ex.ids.filter((_, i) => ex.loss[i]);
    expect(qwen.decode(targets)).toBe('Hello World<|im_end|>\nThe company<|im_end|>\n');
    expect(qwen.decode(ex.ids)).toContain('<|im_start|>user\nHow are you doing?<|im_end|>');
  });

  it('prompt/completion: loss on the completion and eos', () => {
    const ex = promptCompletionExample(llama, 'How are you doing?', ' Hello World');
    if (!('ids' in ex)) throw new Error(JSON.stringify(ex));
    expect(ex.ids[0]).toBe(1);
    expect(ex.ids.filter((_, i) => ex.loss[i])).toEqual([...llama.encode('How are you doing? Hello World', { special: true }).slice(-2), 2]);
  });
});

describe('conversational prompt/completion', () => {
  it('trains on what the completion messages add to the prompt rendered with the generation prompt (TRL)', () => {
    const prompt = [{ role: 'user', content: 'How are you doing?' }];
    const completion = [{ role: 'assistant', content: 'Hello World' }];
    const ex = recordExample(qwen, chatRenderer(qwen), { prompt, completion });
    if (!('ids' in ex)) throw new Error(JSON.stringify(ex));
    expect(ex.kind).toBe('prompt');
    expect(qwen.decode(ex.ids.filter((_, i) => ex.loss[i]))).toBe('Hello World<|im_end|>\n');
    // The same conversation as a messages record has the same ids and mask.
    const chatEx = chatExample(qwen, chatRenderer(qwen), [...prompt, ...completion]);
    if (!('ids' in chatEx)) throw new Error(JSON.stringify(chatEx));
    expect(ex.ids).toEqual(chatEx.ids);
    expect([...ex.loss]).toEqual([...chatEx.loss]);
    expect(recordExample(qwen, chatRenderer(qwen), { prompt, completion: [] })).toEqual({ problem: '"completion" is not a non-empty list' });
    expect(recordExample(qwen, chatRenderer(qwen), { prompt: [{ role: 'user' }], completion })).toEqual({ problem: '"prompt" message 0 is not {"role": string, "content": string}' });
  });
});

describe('eos', () => {
  it('is appended once: a text or completion already ending with the eos token gets no second one', () => {
    expect(textExample(llama, 'Hello World</s>').ids).toEqual([...llama.encode('Hello World', { special: true }), 2]);
    expect(textExample(llama, 'Hello World').ids).toEqual([...llama.encode('Hello World', { special: true }), 2]);
    const ex = promptCompletionExample(llama, 'How are you doing?', ' Hello World</s>');
    if (!('ids' in ex)) throw new Error(JSON.stringify(ex));
    expect(ex.ids.slice(-2)).not.toEqual([2, 2]);
    expect(ex.ids.at(-1)).toBe(2);
  });
});

describe('packing', () => {
  it('packs whole examples with boundaries, masks and restarting positions', () => {
    const data = jsonl('mixed.jsonl', [chat('How are you doing?', 'Hello World'), { prompt: 'Hello', completion: ' World' }, { text: 'The company was founded in 2016.' }, chat('Hello', 'How are you doing?')]);
    const packed = loadPackedData([data], qwen, 40).value!;
    const s = packed.sampler(7);
    const b = s.next(s.samples);
    for (let r = 0; r < b.rows; r++) {
      const row = (a: ArrayLike<number>) => Array.from(a).slice(r * 40, r * 40 + 40);
      const seg = row(b.segments!);
      const pos = row(b.positions!);
      const tgt = row(b.targets);
      for (let t = 0; t < 40; t++) {
        if (seg[t] === -1) expect(tgt[t]).toBe(-1);
        if (t > 0 && seg[t] !== seg[t - 1]) expect(pos[t]).toBe(0);
        if (t + 1 < 40 && seg[t + 1] !== seg[t]) expect(tgt[t]).toBe(-1);
        if (t > 0 && seg[t] === seg[t - 1] && seg[t] >= 0) expect(pos[t]).toBe(pos[t - 1]! + 1);
      }
    }
    // The targets are exactly the examples' loss tokens (each after its first token).
    const targets = Array.from(b.targets).filter((t) => t >= 0).length;
    expect(targets).toBeGreaterThan(0);
    expect(b.valid!.reduce((a, v) => a + v, 0)).toBe(packed.tokenCount);
  });

  it('best fit decreasing fills rows and never overflows them', () => {
    const lengths = [9, 7, 6, 5, 4, 3, 3, 2, 1];
    const rows = packBestFit(lengths.map((length, record) => ({ record, start: 0, length })), 10);
    expect(rows.map((r) => r.reduce((a, u) => a + lengths[u]!, 0))).toEqual([10, 10, 10, 10]);
  });

  it('splits long text, truncates long chat (MOE6643), reports bad records and a missing template', () => {
    const long = jsonl('long.jsonl', [{ text: 'How are you doing? '.repeat(10) }, chat('How are you doing? '.repeat(5), 'Hello World')]);
    const idx = indexRecords([long], qwen).value!;
    const u = unitsOf(idx, [0, 1], 16);
    expect(u.units.filter((x) => x.record === 0).length).toBeGreaterThan(2);
    expect(u.units.filter((x) => x.record === 1)).toEqual([{ record: 1, start: 0, length: 16 }]);
    expect(u.diagnostics.map((d) => d.code)).toEqual(['MOE6643']);
    const bad = jsonl('bad.jsonl', [{ messages: [{ role: 'user' }] }, { nope: 1 }]);
    expect(indexRecords([bad], qwen).diagnostics.map((d) => d.code)).toEqual(['MOE6640', 'MOE6640']);
    const noTemplate = { ...llama, chatTemplate: undefined };
    expect(indexRecords([jsonl('chat.jsonl', [chat('a', 'b')])], noTemplate).diagnostics.map((d) => d.code)).toEqual(['MOE6641']);
    // A template that does not parse: a diagnostic for the chat records, never a throw; text records need none.
    const broken = { ...qwen, chatTemplate: '{% for m in messages %}{{ m.content }' };
    expect(indexRecords([jsonl('text-only.jsonl', [{ text: 'plain' }])], broken).diagnostics).toEqual([]);
    expect(indexRecords([jsonl('chat2.jsonl', [chat('a', 'b')])], broken).diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([expect.stringMatching(/^MOE6641 .*chat2\.jsonl.*chat template does not parse \(Parser Error/)]);
  });
});

describe('records re-read by offset', () => {
  it('give the tokens the index counted: BOM-led text file and BOM/CRLF/blank-line JSONL; a line that is not UTF-8 is refused', () => {
    const text = join(root, 'bom.txt');
    writeFileSync(text, '\uFEFFHello world text');
    const lines = join(root, 'bom.jsonl');
    writeFileSync(lines, '\uFEFF{"text":"Hello"}\r\n\r\n{"text":"world"}\r\n');
    const idx = indexRecords([text, lines], qwen).value!;
    expect(idx.tokens.length).toBe(3);
    for (let i = 0; i < 3; i++) {
      const ex = readExample(idx, i, qwen, chatRenderer(qwen));
      expect(ex.ids.length).toBe(idx.tokens[i]);
    }
    const latin1 = join(root, 'latin1.jsonl');
    writeFileSync(latin1, Buffer.concat([Buffer.from('{"text":"ok"}\n{"text":"caf'), Buffer.from([0xe9]), Buffer.from('"}\n')]));
    expect(indexRecords([latin1], qwen).diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([expect.stringMatching(/^MOE6640 .*latin1\.jsonl.*2.*not UTF-8 text \(byte 0xe9 at offset 12/)]);
    expect(readExample(idx, idx.line.indexOf(0), qwen, undefined).ids).toEqual([...qwen.encode('Hello world text', { special: true }), qwen.eos!.id]);
  });
});

describe('special files', () => {
  it('refuses a FIFO or a device unread (MOE9100), never blocking on it', () => {
    const dir = join(root, 'pipes');
    mkdirSync(dir);
    execFileSync('mkfifo', [join(dir, 'data.jsonl'), join(dir, 'notes.txt')]);
    symlinkSync('/dev/zero', join(dir, 'zero.jsonl'));
    const r = indexRecords([join(dir, 'data.jsonl'), join(dir, 'notes.txt'), join(dir, 'zero.jsonl')], qwen);
    expect(r.value).toBeUndefined();
    expect(r.diagnostics.map((d) => d.code)).toEqual(['MOE9100', 'MOE9100', 'MOE9100']);
  });

  it('reads JSONL lines across 1 MiB chunks at their offsets, and stops at a line too long to be a record (MOE6640)', () => {
    const file = join(root, 'long-lines.jsonl');
    const long = 'x'.repeat(1_050_000);
    const records = [{ text: 'first' }, { text: long }, { text: 'after the long one' }, { text: `é${long}` }, { text: 'last' }];
    writeFileSync(file, records.map((r) => JSON.stringify(r)).join('\n'));
    const idx = indexRecords([file], qwen).value!;
    expect([...idx.line]).toEqual([1, 2, 3, 4, 5]);
    records.forEach((r, i) => expect(readExample(idx, i, qwen, undefined).ids).toEqual(textExample(qwen, r.text).ids));
    const huge = join(root, 'one-line.jsonl');
    writeFileSync(huge, '');
    truncateSync(huge, MAX_TEXT_RECORD_BYTES + (2 << 20)); // sparse zeros, no newline
    expect(indexRecords([huge], qwen).diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([expect.stringMatching(/^MOE6640 .*one-line\.jsonl:1: .*longer than 268435456 bytes/)]);
  });

  it('refuses a text file too large to be one document before reading it (MOE9101)', () => {
    const big = join(root, 'big.txt');
    writeFileSync(big, '');
    truncateSync(big, MAX_TEXT_RECORD_BYTES + 1); // sparse: nothing is written
    const d = indexRecords([big], qwen).diagnostics;
    expect(d.map((x) => x.code)).toEqual(['MOE9101']);
    expect(d[0]!.message).toContain(`${MAX_TEXT_RECORD_BYTES + 1} bytes`);
  });
});

describe('data fingerprint (resume refuses other data)', () => {
  it('follows the tokenizer\'s content and chat template, not the path it was loaded from', () => {
    const data = jsonl('fp.jsonl', [chat('a', 'b'), { text: 'plain text' }]);
    const copy = (name: string, edit?: (config: Record<string, unknown>) => void) => {
      const dir = join(root, name);
      mkdirSync(dir);
      copyFileSync('test/fixtures/tokenizers/qwen2-tiny/tokenizer.json', join(dir, 'tokenizer.json'));
      const config = JSON.parse(readFileSync('test/fixtures/tokenizers/qwen2-tiny/tokenizer_config.json', 'utf8')) as Record<string, unknown>;
      edit?.(config);
      writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify(config));
      return indexRecords([data], loadTokenizer(dir).value!).value!.fingerprint;
    };
    const original = indexRecords([data], qwen).value!.fingerprint;
    expect(copy('moved')).toBe(original);
    expect(copy('other-template', (c) => (c.chat_template = String(c.chat_template).replace('a helpful assistant', 'a careful assistant')))).not.toBe(original);
    // The same path with other content: the file is read again, so its fingerprint changes too.
    const changed = join(root, 'moved', 'tokenizer.json');
    const json = JSON.parse(readFileSync(changed, 'utf8')) as { model: { vocab: Record<string, number> } };
    const [a, b] = Object.keys(json.model.vocab).slice(300, 302) as [string, string];
    [json.model.vocab[a], json.model.vocab[b]] = [json.model.vocab[b]!, json.model.vocab[a]!];
    writeFileSync(changed, JSON.stringify(json));
    expect(indexRecords([data], loadTokenizer(join(root, 'moved')).value!).value!.fingerprint).not.toBe(original);
  });
});

describe('LoRA fine-tune on chat data', () => {
  it('lowers the held-out eval_loss and resumes exactly', async () => {
    const pairs: [string, string][] = [['How are you doing?', 'Hello World'], ['Hello World', 'How are you doing?'], ['The company', 'was founded in 2016.']];
    const data = jsonl('train.jsonl', Array.from({ length: 24 }, (_, i) => chat(...pairs[i % 3]!)));
    const narrow = (s: Parameters<Parameters<typeof buildTinyIR>[0] & object>[0]) => {
      Object.assign(s, { hidden: 32, vocab: llama.size });
      Object.assign(s.moe!.experts, { ffn: 64 });
      Object.assign(s.moe!.shared!, { ffn: 32 });
      Object.assign(s.train!, { batch: 2, seq_len: 32, checkpoint_every: 2, optimizer: { type: 'adamw', lr: 3e-2, weight_decay: 0 }, schedule: { type: 'constant' } });
    };
    const common = { specFile: 'specs/tiny.moe', backend: 'wasm' as const, progress: 'silent' as const, data: [data], tokenizer: 'test/fixtures/tokenizers/llama2-tiny' };
    const base = join(root, 'base');
    await runTraining({ ...common, ir: await buildTinyIR(narrow), outDir: base, steps: 2 });
    const ir = await buildTinyIR((s) => {
      narrow(s);
      s.train!.lora = { rank: 4, alpha: 32, targets: ['attention', 'experts', 'shared'] };
    });
    const run = join(root, 'lora');
    const out = await runTraining({ ...common, ir, outDir: run, initFrom: base, steps: 8, evalSplit: 0.25, evalEvery: 4 });
    expect(out.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const evals = readMetrics(join(run, 'metrics.jsonl')).filter((m) => m.eval_loss !== undefined).map((m) => m.eval_loss!);
    expect(evals.length).toBe(2);
    expect(evals[1]!).toBeLessThan(evals[0]!);

    const split = join(root, 'split');
    const stop = new AbortController();
    const first = await runTraining({ ...common, ir, outDir: split, initFrom: base, steps: 4, evalSplit: 0.25, signal: stop.signal, onStep: (m) => m.step === 2 && stop.abort() });
    const second = await runTraining({ ...common, ir, outDir: split, resume: true, steps: 4 });
    expect([...first.losses, ...second.losses]).toEqual(out.losses.slice(0, 4));
  }, 180_000);
});
