/**
 * `moec eval` end to end with the built CLI: a model folder and its q4 variant, a .onnx file, and a
 * training run directory (its latest checkpoint compiled in memory with the spec its run.json
 * names) — which must score exactly what the folder compiled from the same checkpoint scores;
 * per-byte figures; clear diagnostics for a missing model, a run without a spec, bad data and
 * windows longer than the context.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { writeCheckpoint } from '../../src/checkpoint/index.js';
import { buildIR } from '../../src/ir/build-ir.js';
import { tinySpec } from '../ir/fixtures.js';
import { testWeights } from '../reference/cases.js';

const BIN = 'dist/cli/bin.js';
const root = mkdtempSync(join(tmpdir(), 'moec-cli-eval-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const DATA = 'specs/data/declaration-and-gettysburg.txt';

function moec(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const evalJson = (args: string[]) => {
  const r = moec(['eval', ...args, '--format', 'json']);
  return { code: r.code, doc: JSON.parse(r.stdout) };
};

describe.skipIf(!existsSync(BIN))('moec eval (built CLI)', () => {
  const run = join(root, 'run');
  beforeAll(() => {
    const hash = JSON.parse(moec(['compile', 'specs/tiny.moe', '-o', join(root, 'hash.onnx'), '--format', 'json']).stdout).result.metadata['moec.spec_sha256'];
    const ir = buildIR(tinySpec).value;
    const w = testWeights(ir, 5);
    const tensors = ir.tensors.map((t) => ({ name: t.name, shape: t.shape, data: w.get(t.name)! }));
    expect(writeCheckpoint(run, { step: 7, specHash: hash, weights: tensors, state: {} }).diagnostics).toEqual([]);
    writeFileSync(join(run, 'run.json'), JSON.stringify({ name: 'tiny', spec: resolve('specs/tiny.moe'), specHash: hash, sessions: [] }));
    expect(moec(['compile', 'specs/tiny.moe', '-o', join(root, 'tiny'), '--weights', run, '--variants', 'q4']).code).toBe(0);
  });

  test('a run directory scores exactly what the folder compiled from its checkpoint scores', () => {
    const folder = evalJson([join(root, 'tiny'), '--data', DATA, '--seq-len', '64']);
    const fromRun = evalJson([run, '--data', DATA, '--seq-len', '64']);
    expect([folder.code, fromRun.code]).toEqual([0, 0]);
    const r = folder.doc.result;
    expect(fromRun.doc.result.loss).toBe(r.loss);
    expect(r.tokens).toBe(r.bytes); // a 256-entry vocabulary: every token is a byte
    expect(r.perplexity).toBeCloseTo(Math.exp(r.loss), 9);
    expect(r.bitsPerByte).toBeCloseTo(r.lossPerByte / Math.LN2, 9);
    expect(r.seqLen).toBe(64);
    const q4 = evalJson([join(root, 'tiny'), '--data', DATA, '--seq-len', '64', '--variant', 'q4']).doc.result;
    expect(q4.model).toBe(join(root, 'tiny', 'onnx', 'model_q4.onnx'));
    expect(Math.abs(q4.loss - r.loss)).toBeGreaterThan(0);
  });

  test("a run whose spec names train.tokenizer is scored in that tokenizer's tokens, as the folder compiled from it is", () => {
    const specObj = { name: 'tok', vocab: 151793, hidden: 8, layers: 1, context: 16, attention: { heads: 2, head_dim: 4 }, dense: { ffn: 8 }, train: { tokenizer: resolve('test/fixtures/tokenizers/qwen2-tiny') } };
    const spec = join(root, 'tok.moe.json');
    writeFileSync(spec, JSON.stringify(specObj));
    const hash = JSON.parse(moec(['compile', spec, '-o', join(root, 'tok-hash.onnx'), '--format', 'json']).stdout).result.metadata['moec.spec_sha256'];
    const ir = buildIR(specObj as never).value;
    const w = testWeights(ir, 3);
    const tokRun = join(root, 'tok-run');
    expect(writeCheckpoint(tokRun, { step: 1, specHash: hash, weights: ir.tensors.map((t) => ({ name: t.name, shape: t.shape, data: w.get(t.name)! })), state: {} }).diagnostics).toEqual([]);
    writeFileSync(join(tokRun, 'run.json'), JSON.stringify({ name: 'tok', spec, specHash: hash, sessions: [] }));
    expect(moec(['compile', spec, '-o', join(root, 'tok'), '--weights', tokRun]).code).toBe(0);
    const fromRun = evalJson([tokRun, '--data', DATA, '--max-tokens', '100']).doc.result;
    const fromFolder = evalJson([join(root, 'tok'), '--data', DATA, '--max-tokens', '100']).doc.result;
    expect(fromRun.bytes).toBeUndefined(); // tokens of the model's tokenizer: no per-byte figures
    expect([fromRun.tokens, fromRun.loss]).toEqual([fromFolder.tokens, fromFolder.loss]);
  });

  test('pretty output; --max-tokens caps the tokens scored', () => {
    const r = moec(['eval', join(root, 'tiny'), '--data', DATA, '--max-tokens', '300']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^evaluated .*model\.onnx on 1 file\(s\), windows of 128 tokens/);
    expect(r.stdout).toContain('tokens scored    300 (300 bytes)');
    expect(r.stdout).toMatch(/bits per byte \d\.\d{4}/);
  });

  test('clear diagnostics: missing model, a run without a spec, data that does not exist', () => {
    expect(moec(['eval', join(root, 'nope'), '--data', DATA]).stderr).toContain('error MOE9001');
    const bare = join(root, 'bare-run');
    writeCheckpoint(bare, { step: 1, specHash: '0'.repeat(64), weights: [], state: {} });
    expect(moec(['eval', bare, '--data', DATA]).stderr).toContain('error MOE5526');
    // Windows past the context (128) are scored, but said to be outside what the model was trained on.
    const long = evalJson([join(root, 'tiny'), '--data', DATA, '--seq-len', '200', '--max-tokens', '300']);
    expect([long.code, long.doc.diagnostics.map((d: { code: string }) => d.code)]).toEqual([0, ['MOE5527']]);
    expect(evalJson([join(root, 'tiny'), '--data', DATA, '--seq-len', '128', '--max-tokens', '300']).doc.diagnostics).toEqual([]);
    const bad = moec(['eval', join(root, 'tiny'), '--data', join(root, 'missing.txt')]);
    expect([bad.code, bad.stderr.includes('error MOE6520')]).toEqual([1, true]);
  });
});
