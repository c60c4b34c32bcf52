/**
 * `moec compile` end to end: the built CLI (dist/, from `npm run build`) in a child process —
 * outputs and summary, determinism, refusals (spec errors, usage), unwritable outputs, external
 * data, Triton, weights from a checkpoint, and that the ONNX path never loads TensorFlow.js.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { writeCheckpoint } from '../../src/checkpoint/index.js';
import { buildIR } from '../../src/ir/build-ir.js';
import { tinySpec } from '../ir/fixtures.js';
import { testWeights } from '../reference/cases.js';

const BIN = 'dist/cli/bin.js';
const TINY = 'specs/tiny.moe';
const root = mkdtempSync(join(tmpdir(), 'moec-cli-compile-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function moec(args: string[], nodeArgs: string[] = []) {
  const r = spawnSync(process.execPath, [...nodeArgs, BIN, ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const json = (args: string[]) => {
  const r = moec([...args, '--format', 'json']);
  return { code: r.code, doc: JSON.parse(r.stdout) };
};

describe.skipIf(!existsSync(BIN))('moec compile --target onnx (built CLI)', () => {
  test('writes the model and prints a summary with the size per tensor group', () => {
    const out = join(root, 'tiny.onnx');
    const r = moec(['compile', TINY, '--target', 'onnx', '-o', out], ['--import', './test/cli/fixtures/forbid-tfjs.mjs']);
    // specs/tiny drops over capacity in training; the exported model does not (MOE5020).
    expect(r.stderr).toMatch(/^warning MOE5020: capacity_factor 1.5 with overflow drop applies to training only/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^compiled tiny → .*tiny\.onnx \(1\.1\d MiB\) in \d+\.\d\d s/);
    expect(r.stdout).toContain('parameters     279,360');
    expect(r.stdout).toContain('weights        init seed 1234');
    expect(r.stdout).toMatch(/experts\s+196,608\s+fp32\s+768 KiB/);
    expect(existsSync(out)).toBe(true);
  });

  test('JSON output carries the same facts; two compiles give identical bytes', () => {
    const a = json(['compile', TINY, '-o', join(root, 'a.onnx')]);
    const b = json(['compile', TINY, '-o', join(root, 'b.onnx')]);
    expect(a.code).toBe(0);
    expect(a.doc.ok).toBe(true);
    expect(a.doc.result.params).toBe(279360);
    expect(a.doc.result.metadata['moec.name']).toBe('tiny');
    expect(a.doc.result.groups.map((g: { group: string }) => g.group)).toContain('experts');
    expect(b.doc.result.model.bytes).toBe(a.doc.result.model.bytes);
    expect(readFileSync(join(root, 'a.onnx')).equals(readFileSync(join(root, 'b.onnx')))).toBe(true);
  });

  test('a spec with errors is refused: diagnostics with file:line:col, exit 1, nothing written', () => {
    const out = join(root, 'bad.onnx');
    const r = moec(['compile', 'test/fixtures/invalid/router-top-k.moe', '-o', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/router-top-k\.moe:\d+:\d+ - error MOE3201/);
    expect(r.stdout).toBe('');
    expect(existsSync(out)).toBe(false);
  });

  test('-o dir/ writes the model folder (config, tokenizer, onnx/model.onnx, variants)', () => {
    const dir = join(root, 'folder');
    const r = moec(['compile', TINY, '-o', dir, '--variants', 'q4,fp16']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^compiled tiny → .*folder\/ \(/);
    expect(r.stdout).toMatch(/model +.*onnx\/model_q4\.onnx \(.*variant q4\)/);
    expect(readdirSync(dir).sort()).toEqual(['config.json', 'genai_config.json', 'generation_config.json', 'onnx', 'tokenizer.json', 'tokenizer_config.json']);
    expect(readdirSync(join(dir, 'onnx')).sort()).toEqual(['model.onnx', 'model_fp16.onnx', 'model_q4.onnx']);
    const doc = json(['compile', TINY, '-o', dir + '/']).doc;
    expect(doc.result.folder.models.map((m: { variant: string }) => m.variant)).toEqual(['spec']);
    const bad = moec(['compile', TINY, '-o', dir, '--variants', 'q4,q3']);
    expect([bad.code, bad.stderr.includes('error MOE5520')]).toEqual([2, true]);
    const file = moec(['compile', TINY, '-o', join(root, 'v.onnx'), '--variants', 'q4']);
    expect([file.code, file.stderr.includes('error MOE5521')]).toEqual([2, true]);
  });

  test('usage problems exit 2: no output, a bad seed, Triton with tfjs', () => {
    expect(moec(['compile', TINY]).stderr).toContain('error MOE5501');
    const seed = moec(['compile', TINY, '-o', join(root, 's.onnx'), '--seed', '-3']);
    expect([seed.code, seed.stderr.includes('error MOE5500')]).toEqual([2, true]);
    const tr = moec(['compile', TINY, '--target', 'tfjs', '-o', join(root, 'tf'), '--triton', join(root, 'r')]);
    expect([tr.code, tr.stderr.includes('MOE5503')]).toEqual([2, true]);
    expect(moec(['compile', TINY, '--moe', 'magic', '-o', 'x.onnx']).code).toBe(2);
  });

  test('an unwritable output is a diagnostic (MOE9004), with no partial file', () => {
    writeFileSync(join(root, 'a-file'), 'x');
    const r = moec(['compile', TINY, '-o', join(root, 'a-file', 'm.onnx')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error MOE9004');
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  test('--external-data, --triton and --seed', () => {
    const dir = join(root, 'ext');
    const r = json(['compile', TINY, '-o', join(dir, 'm.onnx'), '--external-data', '--triton', join(root, 'repo'), '--seed', '5', '--triton-max-batch', '4']);
    expect(r.code).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['m.onnx', 'm.onnx_data']);
    expect(r.doc.result.metadata['moec.seed']).toBe('5');
    expect(readFileSync(join(root, 'repo', 'tiny', 'config.pbtxt'), 'utf8')).toContain('max_batch_size: 4');
    expect(readdirSync(join(root, 'repo', 'tiny', '1')).sort()).toEqual(['model.onnx', 'model.onnx_data']);
  });

  test('--weights takes a checkpoint written in the docs/checkpoint.md format; another spec\'s is refused', () => {
    const meta = json(['compile', TINY, '-o', join(root, 'hash.onnx')]).doc.result.metadata;
    const ir = buildIR(tinySpec).value; // same tensor names and shapes as specs/tiny.moe
    const w = testWeights(ir, 3);
    const run = join(root, 'run');
    const tensors = ir.tensors.map((t) => ({ name: t.name, shape: t.shape, data: w.get(t.name)! }));
    expect(writeCheckpoint(run, { step: 50, specHash: meta['moec.spec_sha256'], weights: tensors, state: {} }).diagnostics).toEqual([]);
    const ok = json(['compile', TINY, '-o', join(root, 'ck.onnx'), '--weights', run]);
    expect(ok.code).toBe(0);
    expect(ok.doc.result.weights).toMatch(/^checkpoint step 50 /);
    expect(ok.doc.result.metadata['moec.checkpoint_step']).toBe('50');

    const other = join(root, 'other-run');
    writeCheckpoint(other, { step: 1, specHash: '0'.repeat(64), weights: tensors, state: {} });
    const bad = moec(['compile', TINY, '-o', join(root, 'other.onnx'), '--weights', other]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('MOE6502');
    expect(existsSync(join(root, 'other.onnx'))).toBe(false);
  });
});
