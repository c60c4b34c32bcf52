/**
 * docs/training.md §Fine-tuning a Hugging Face model: its command block runs as written, in a
 * fresh directory holding the spec example it trains (docs/examples/hf/mixtral-tuned.moe) and a
 * chat.jsonl, with `$MODEL` the golden fixture test/fixtures/hf/mixtral-instruct-tokenizer (a
 * Mixtral directory with its tokenizer) and `moec train` cut to 2 steps. Each command exits 0 and
 * leaves what the section says: the imported spec, the run with its PEFT adapter, the ONNX
 * folder with the model's tokenizer, the merged Hugging Face directory. (The numbers the section
 * quotes are test/train/finetune-hf.test.ts's.)
 */
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';

const FIXTURE = resolve('test/fixtures/hf/mixtral-instruct-tokenizer');
const EXAMPLE = resolve('docs/examples/hf/mixtral-tuned.moe');
const dir = mkdtempSync(join(tmpdir(), 'moec-finetune-doc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function commands(): string[][] {
  const doc = readFileSync('docs/training.md', 'utf8');
  const section = doc.slice(doc.indexOf('### Fine-tuning a Hugging Face model'));
  const block = /```sh\n([\s\S]*?)```/.exec(section)![1]!;
  const lines = block.split('\n').map((l) => l.replace(/\s+#.*$/, '').trim()).filter(Boolean);
  expect(lines[0]).toMatch(/^MODEL=/);
  return lines.slice(1).map((l) => l.split(/\s+/).map((w) => (w === '$MODEL' ? FIXTURE : w)));
}

describe('docs/training.md: fine-tuning a Hugging Face model', () => {
  it('runs the commands as written', async () => {
    const cmds = commands();
    expect(cmds.map((c) => c.slice(0, 2).join(' '))).toEqual(['moec import', 'moec train', 'moec compile', 'moec export']);
    copyFileSync(EXAMPLE, join(dir, 'mixtral-tuned.moe'));
    const asks = ['How are you doing?', 'Hello World', 'How are you?'];
    writeFileSync(join(dir, 'chat.jsonl'), Array.from({ length: 48 }, (_, i) => JSON.stringify({ messages: [{ role: 'user', content: asks[i % 3] }, { role: 'assistant', content: `The company was founded in 20${i % 10}6.` }] })).join('\n'));
    const cwd = process.cwd();
    process.chdir(dir);
    let err = '';
    vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => ((err += String(c)), true));
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      for (const cmd of cmds) {
        const args = cmd[1] === 'train' ? [...cmd.slice(1), '--steps', '2', '--backend', 'wasm', '--progress', 'none'] : cmd.slice(1);
        err = '';
        expect(await main(['node', 'moec', ...args]), `${cmd.join(' ')}\n${err}`).toBe(0);
        // The fixture is tiny: rank 16 is not below its k/v projections' width (32 → 16), MOE6601.
        // export hf notes that transformers pools the balance loss over layers (MOE3811, docs/hf.md).
        expect(err.replace(/warning MOE(6601|3811)/g, ''), cmd.join(' ')).not.toMatch(/(error|warning) MOE/);
      }
    } finally {
      process.chdir(cwd);
      vi.restoreAllMocks();
    }
    for (const f of ['mixtral-8x7b.moe', 'runs/tuned/adapter/adapter_config.json', 'runs/tuned/adapter/adapter_model.safetensors', 'tuned/onnx/model.onnx', 'tuned/tokenizer.json', 'tuned-hf/config.json', 'tuned-hf/model.safetensors']) {
      expect(existsSync(join(dir, f)), f).toBe(true);
    }
    const config = JSON.parse(readFileSync(join(dir, 'runs/tuned/adapter/adapter_config.json'), 'utf8'));
    expect(config).toMatchObject({ r: 16, lora_alpha: 32, lora_dropout: 0.05, base_model_name_or_path: FIXTURE });
    expect(JSON.parse(readFileSync(join(dir, 'tuned-hf/config.json'), 'utf8')).model_type).toBe('mixtral');
  }, 120_000);
});
