/**
 * `moec run` end to end with the built CLI: greedy generation through the KV cache from a prompt
 * or ids (checked against greedy decoding with the plain-TypeScript reference, inference
 * routing, on the same seeded weights), the model folder and its variants, batches from a
 * prompts file, --no-cache giving the same tokens, reproducible sampling, and clear diagnostics
 * for missing or invalid models, bad ids, bad prompts files and out-of-range tokens.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildIR } from '../../src/ir/build-ir.js';
import { initWeights } from '../../src/weights/init-weights.js';
import { tinySpec } from '../ir/fixtures.js';
import { inferenceRouting } from '../reference/cases.js';
import { referenceForward } from '../reference/reference-forward.js';

const BIN = 'dist/cli/bin.js';
const root = mkdtempSync(join(tmpdir(), 'moec-cli-run-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const TINY = join(root, 'tiny.onnx');
const FOLDER = join(root, 'tiny');
const SMALL = join(root, 'small.onnx');

function moec(args: string[], nodeArgs: string[] = []) {
  const r = spawnSync(process.execPath, [...nodeArgs, BIN, ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe.skipIf(!existsSync(BIN))('moec run (built CLI)', () => {
  beforeAll(() => {
    expect(moec(['compile', 'specs/tiny.moe', '-o', TINY, '--triton', join(root, 'repo')]).code).toBe(0);
    expect(moec(['compile', 'specs/tiny.moe', '-o', FOLDER, '--variants', 'q4']).code).toBe(0);
    const spec = join(root, 'small.moe.json');
    writeFileSync(spec, JSON.stringify({ name: 'small', vocab: 11, hidden: 8, layers: 1, context: 8, attention: { heads: 2, head_dim: 4 }, dense: { ffn: 12 } }));
    expect(moec(['compile', spec, '-o', SMALL]).code).toBe(0);
  });

  test('--ids: greedy continuation equals greedy decoding with the reference forward pass', () => {
    const r = moec(['run', TINY, '--ids', '72,101,108,108,111', '-n', '4', '--format', 'json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.ok).toBe(true);
    expect(doc.result.kvCache).toBe(true);
    const ir = inferenceRouting(buildIR(tinySpec).value);
    const w = initWeights(ir, 1234);
    const seq = [72, 101, 108, 108, 111];
    for (let i = 0; i < 4; i++) {
      const logits = referenceForward(ir, w, [seq]).subarray((seq.length - 1) * 256);
      seq.push(logits.indexOf(Math.max(...logits)));
    }
    expect(doc.result.generatedIds).toEqual(seq.slice(5));
    expect(doc.result.tokensPerSecond).toBeGreaterThan(0);
  });

  test('--prompt streams the prompt and its continuation; tokens/s on stderr', () => {
    const r = moec(['run', TINY, '--prompt', 'Hi', '-n', '3', '--threads', '1'], ['--import', './test/cli/fixtures/forbid-tfjs.mjs']);
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith('Hi')).toBe(true);
    expect(r.stderr).toMatch(/^3 tokens in \d+\.\d\d s: \d+\.\d tokens\/s \(prefill [\d.]+ ms for 1 prompt; greedy; KV cache\)/);
  });

  test('a model folder runs its onnx/model.onnx (or a variant); --no-cache gives the same greedy tokens', () => {
    const ids = (args: string[]) => JSON.parse(moec(['run', ...args, '--ids', '72,105', '-n', '6', '--format', 'json']).stdout).result;
    const file = ids([TINY]);
    const folder = ids([FOLDER]);
    expect(folder.model).toBe(join(FOLDER, 'onnx', 'model.onnx'));
    expect(folder.generatedIds).toEqual(file.generatedIds);
    const recompute = ids([FOLDER, '--no-cache']);
    expect([recompute.kvCache, recompute.generatedIds]).toEqual([false, file.generatedIds]);
    expect(ids([FOLDER, '--variant', 'q4']).model).toBe(join(FOLDER, 'onnx', 'model_q4.onnx'));
    // The Triton repository's full-sequence graph has no cache: it runs by recompute, with MOE5524.
    const triton = moec(['run', join(root, 'repo', 'tiny', '1', 'model.onnx'), '--ids', '72,105', '-n', '6', '--format', 'json']);
    const doc = JSON.parse(triton.stdout);
    expect([doc.result.kvCache, doc.result.generatedIds, doc.diagnostics.map((d: { code: string }) => d.code)]).toEqual([false, file.generatedIds, ['MOE5524']]);
    expect(moec(['run', TINY, '--variant', 'q4', '--ids', '1']).stderr).toContain('error MOE9001');
    // The folder exists: the diagnostic names the variant file it lacks.
    expect(moec(['run', FOLDER, '--variant', 'fp16', '--ids', '1']).stderr).toContain(`error MOE9001: no such file or directory: \`${join(FOLDER, 'onnx', 'model_fp16.onnx')}\``);
  });

  test('--prompts runs a left-padded batch: each row gets what it gets alone', () => {
    const file = join(root, 'prompts.txt');
    writeFileSync(file, 'Hello\n\nOnce upon a time\nx\n');
    const batch = JSON.parse(moec(['run', FOLDER, '--prompts', file, '-n', '5', '--format', 'json']).stdout).result;
    expect(batch.outputs.map((o: { finishReason: string }) => o.finishReason)).toEqual(['length', 'length', 'length']);
    for (const [i, p] of ['Hello', 'Once upon a time', 'x'].entries()) {
      const alone = JSON.parse(moec(['run', FOLDER, '--prompt', p, '-n', '5', '--format', 'json']).stdout).result;
      expect(batch.outputs[i].generatedIds).toEqual(alone.generatedIds);
    }
    const pretty = moec(['run', FOLDER, '--prompts', file, '-n', '2']);
    expect(pretty.stdout.split('\n').filter((l) => l.startsWith('['))).toHaveLength(3);
    const jsonl = join(root, 'prompts.jsonl');
    writeFileSync(jsonl, '{"prompt": "a\\nb"}\n{"text": "c"}\nnot json\n{"x": 1}\n');
    const bad = moec(['run', FOLDER, '--prompts', jsonl]);
    expect([bad.code, bad.stderr.match(/error MOE5523/g)?.length]).toEqual([1, 2]);
    expect(bad.stderr).toContain('line 3 is not JSON');
  });

  test("a folder compiled with the model's own tokenizer encodes prompts (and scores text) with it, not as bytes", () => {
    const spec = join(root, 'qwen-tok.moe.json');
    writeFileSync(spec, JSON.stringify({ name: 'tok', vocab: 151793, hidden: 8, layers: 1, context: 16, attention: { heads: 2, head_dim: 4 }, dense: { ffn: 8 } }));
    const dir = join(root, 'tok');
    expect(moec(['compile', spec, '-o', dir, '--tokenizer', 'test/fixtures/tokenizers/qwen2-tiny']).code).toBe(0);
    const withFolder = JSON.parse(moec(['run', dir, '--prompt', 'Hello', '-n', '2', '--format', 'json']).stdout).result;
    const explicit = JSON.parse(moec(['run', dir, '--prompt', 'Hello', '-n', '2', '--tokenizer', dir, '--format', 'json']).stdout).result;
    expect(withFolder.promptIds).toEqual([9707]); // qwen2-tiny's "Hello", not the bytes 72,101,108,108,111
    expect(withFolder.generatedIds).toEqual(explicit.generatedIds);
    const text = join(root, 'eval.txt');
    writeFileSync(text, 'Hello world. Hello again.\n');
    const scored = JSON.parse(moec(['eval', dir, '--data', text, '--format', 'json']).stdout).result;
    expect([scored.bytes, scored.tokens < 26]).toEqual([undefined, true]); // tokens, and no per-byte figures
  });

  test('sampling is reproducible: the same seed gives the same tokens, another seed others', () => {
    const run = (seed: string) =>
      JSON.parse(moec(['run', FOLDER, '--prompt', 'The', '-n', '12', '--temperature', '1.5', '--top-k', '50', '--top-p', '0.95', '--seed', seed, '--format', 'json']).stdout).result;
    const a = run('7');
    expect(run('7').generatedIds).toEqual(a.generatedIds);
    expect(run('8').generatedIds).not.toEqual(a.generatedIds);
    expect(a.sampling).toEqual({ temperature: 1.5, topK: 50, topP: 0.95, seed: 7 });
    expect(moec(['run', FOLDER, '--prompt', 'a', '--top-p', '0']).code).toBe(2);
    expect(moec(['run', FOLDER, '--prompt', 'a', '--temperature', '-1']).code).toBe(2);
    // The generator's seed is 32 bits: 2^32 would silently draw what seed 0 draws.
    const big = moec(['run', FOLDER, '--prompt', 'a', '--seed', '4294967296']);
    expect([big.code, big.stderr]).toEqual([2, expect.stringContaining('--seed needs a whole number from 0 to 4294967295')]);
  });

  test('stops at the model context with a warning', () => {
    const r = moec(['run', SMALL, '--ids', '1,2,3,4,5,6', '-n', '5', '--format', 'json']);
    const doc = JSON.parse(r.stdout);
    expect(r.code).toBe(0);
    expect(doc.result.generatedIds.length).toBe(2);
    expect(doc.diagnostics.map((d: { code: string }) => d.code)).toEqual(['MOE5517']);
  });

  test('clear diagnostics for bad input', () => {
    const missing = moec(['run', join(root, 'nope.onnx'), '--ids', '1']);
    expect([missing.code, missing.stderr]).toEqual([2, expect.stringContaining('error MOE9001')]);
    const spec = moec(['run', 'specs/tiny.moe', '--prompt', 'Hi']);
    expect([spec.code, spec.stderr]).toEqual([2, expect.stringContaining('error MOE9010: `specs/tiny.moe` is a spec, not an ONNX model')]);
    expect(spec.stderr).toContain('moec compile specs/tiny.moe --target onnx -o tiny/`, then `moec run tiny/');
    const renamed = join(root, 'spec-named-model.bin');
    writeFileSync(renamed, readFileSync('specs/tiny.moe'));
    expect(moec(['run', renamed, '--ids', '1']).stderr).toContain('error MOE9010');
    const garbage = join(root, 'garbage.onnx');
    writeFileSync(garbage, 'not a model at all');
    const g = moec(['run', garbage, '--ids', '1']);
    expect(g.stderr).toContain('error MOE5510');
    const truncated = join(root, 'truncated.onnx');
    writeFileSync(truncated, readFileSync(TINY).subarray(0, 5000));
    const t = moec(['run', truncated, '--ids', '1']);
    expect([t.code, t.stderr.includes('error MOE5510')]).toEqual([1, true]);
    expect(moec(['run', TINY, '--ids', '1,300']).stderr).toContain("error MOE5513: token id 300 is outside the model's vocabulary [0, 256)");
    expect(moec(['run', SMALL, '--prompt', 'hello']).stderr).toContain('error MOE5514');
    const badIds = moec(['run', TINY, '--ids', '1,x']);
    expect([badIds.code, badIds.stderr.includes('error MOE5512')]).toEqual([2, true]);
    const neither = moec(['run', TINY]);
    expect([neither.code, neither.stderr.includes('error MOE5515')]).toEqual([2, true]);
    expect(moec(['run', TINY, '--ids', '1', '--prompt', 'a']).stderr).toContain('give one of --prompt, --ids and --prompts');
    for (const r of [missing, g, t]) expect(r.stderr).not.toMatch(/\n\s+at /); // never a stack trace
  });
});
