/**
 * The model's own tokenizer outside training (in process): `moec compile -o dir/ --tokenizer`
 * ships the tokenizer files unchanged in the ONNX folder and sets config.json's,
 * generation_config.json's and genai_config.json's bos/eos/pad ids to the tokenizer's; `moec run
 * --tokenizer` encodes the prompt with it (Llama's <s> prepended: the Python reference's ids) and
 * decodes the generated ids with it; `moec eval --tokenizer` scores its tokens (no per-byte
 * figures: its ids are not bytes); a tokenizer larger than the spec's vocab is refused
 * (MOE6622) and nothing is written.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CompileOptions } from '../../src/cli/commands/compile.js';
import type { RunOptions } from '../../src/cli/commands/run.js';
import { runCompile } from '../../src/cli/compile/run-compile.js';
import { runModel } from '../../src/run/run-command.js';
import { runEval } from '../../src/eval/eval-command.js';
import type { EvalOptions } from '../../src/cli/commands/eval.js';
import { loadTokenizer } from '../../src/train/tokenizer.js';
import { captureStdout } from '../tools/capture-output.js';

const TOKENIZER = 'test/fixtures/tokenizers/llama2-tiny';
const root = mkdtempSync(join(tmpdir(), 'moec-tok-deploy-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const size = loadTokenizer(TOKENIZER).value!.size;
const spec = (vocab: number) => {
  const f = join(root, `tiny-${vocab}.moe`);
  writeFileSync(f, readFileSync('specs/tiny.moe', 'utf8').replace('vocab 256', `vocab ${vocab}`).replace('hidden 64', 'hidden 32'));
  return f;
};

const compileOptions = (o: Partial<CompileOptions>): CompileOptions => ({ target: 'onnx', moe: 'sparse', tritonKind: 'cpu', megatron: [], format: 'json', ...o });

describe('the model tokenizer in the ONNX folder and moec run', () => {
  it('ships the tokenizer files and its special ids; run encodes and decodes with it', async () => {
    const dir = join(root, 'folder');
    const c = await captureStdout(() => runCompile(spec(size), compileOptions({ output: dir, tokenizer: TOKENIZER })));
    expect(JSON.parse(c.out).diagnostics.filter((d: { severity: string }) => d.severity === 'error')).toEqual([]);
    expect(c.value).toBe(0);
    expect(readFileSync(join(dir, 'tokenizer.json'), 'utf8')).toBe(readFileSync(join(TOKENIZER, 'tokenizer.json'), 'utf8'));
    expect(readFileSync(join(dir, 'tokenizer_config.json'), 'utf8')).toBe(readFileSync(join(TOKENIZER, 'tokenizer_config.json'), 'utf8'));
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    expect([config.bos_token_id, config.eos_token_id, config.pad_token_id]).toEqual([1, 2, 2]);
    const generation = JSON.parse(readFileSync(join(dir, 'generation_config.json'), 'utf8'));
    expect(generation.eos_token_id).toBe(2);
    if (existsSync(join(dir, 'genai_config.json'))) expect(JSON.parse(readFileSync(join(dir, 'genai_config.json'), 'utf8')).model.eos_token_id).toBe(2);

    const runOptions: RunOptions = { prompt: 'Hello World', tokenizer: TOKENIZER, maxNewTokens: 3, temperature: 0, topK: 0, topP: 1, seed: 0, cache: true, format: 'json' };
    const r = await captureStdout(() => runModel(dir, runOptions));
    expect(r.value).toBe(0);
    const doc = JSON.parse(r.out);
    expect(doc.result.promptIds).toEqual([1, 15043, 2787]);
    const t = loadTokenizer(TOKENIZER).value!;
    expect(doc.result.text).toBe(t.decode(doc.result.generatedIds));
    expect(doc.result.eosTokenId).toBe(2);

    // moec eval scores tokens of the model's tokenizer and leaves out per-byte figures (ids are not bytes).
    const data = join(root, 'eval.jsonl');
    writeFileSync(data, ['How are you doing?', 'Hello World', 'The company was founded in 2016.'].map((text) => JSON.stringify({ text })).join('\n'));
    const evalOptions: EvalOptions = { data: [data], tokenizer: TOKENIZER, seqLen: 8, format: 'json' };
    const e = await captureStdout(() => runEval(dir, evalOptions));
    expect(e.value).toBe(0);
    const scored = JSON.parse(e.out).result;
    expect(scored.tokens).toBe((1 + 5 + 1) + (1 + 2 + 1) + (1 + 11 + 1) - 1); // <s> … </s> per document; every token but the first is a target
    expect(scored.lossPerByte).toBeUndefined();
    expect(Number.isFinite(scored.loss)).toBe(true);
  }, 60_000);

  it('refuses a tokenizer larger than the spec vocabulary', async () => {
    const dir = join(root, 'small');
    const c = await captureStdout(() => runCompile(spec(256), compileOptions({ output: dir, tokenizer: TOKENIZER })));
    expect(c.value).toBe(1);
    expect(JSON.parse(c.out).diagnostics.map((d: { code: string }) => d.code)).toContain('MOE6622');
    expect(existsSync(join(dir, 'config.json'))).toBe(false);
  });
});
