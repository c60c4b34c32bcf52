/**
 * Train in fp32, export in another precision (issue: "Export what you trained in another
 * precision"): a trained checkpoint is matched to a spec by architecture, so `--quantize` and a
 * spec that differs only in its quantize block both export it; each export's held-out loss
 * stays near fp32's (int4 within 2%, int8 0.5%, fp16 0.1%); another architecture is refused,
 * naming the tensor. The built CLI in child processes, as a user runs it.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readModelMetadata } from '../../src/run/model-metadata.js';
import { heldoutLoss } from '../tools/heldout-loss.js';

const BIN = 'dist/cli/bin.js';
const TINY = resolve('specs/tiny.moe');
const TRAIN_DATA = ['specs/data/alice-chapters-1-2.txt', 'specs/data/pride-and-prejudice-chapters-1-3.txt'];
const HELD_OUT = 'specs/data/declaration-and-gettysburg.txt';
const root = mkdtempSync(join(tmpdir(), 'moec-quantize-export-'));
const run = join(root, 'run');
afterAll(() => rmSync(root, { recursive: true, force: true }));

function moec(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function compile(out: string, extra: string[], spec = TINY) {
  const r = moec(['compile', spec, '-o', join(root, out), '--weights', run, ...extra]);
  // Warnings are fine (int8 on the router is worth one); errors are not.
  expect(r.stderr).not.toMatch(/ error /);
  expect(r.code).toBe(0);
  return join(root, out);
}

const loss = async (model: string) => (await heldoutLoss(model, HELD_OUT, 64, 24)).loss;

describe.skipIf(!existsSync(BIN))('export a trained checkpoint in another precision', () => {
  let fp32 = 0;
  beforeAll(() => {
    copyFileSync(TINY, join(root, 'tiny.moe'));
    const r = moec(['train', TINY, '--steps', '60', '--out', run, '--data', ...TRAIN_DATA, '--progress', 'none']);
    expect(r.code, r.stderr).toBe(0);
  });

  test('--quantize fp16 / int8 / int4: held-out loss within 0.1% / 0.5% / 2% of fp32', async () => {
    fp32 = await loss(compile('fp32.onnx', []));
    const rel = async (scheme: string) => (await loss(compile(`${scheme}.onnx`, ['--quantize', scheme]))) / fp32 - 1;
    const fp16 = await rel('fp16');
    const int8 = await rel('int8-channel');
    const int4 = await rel('int4-block32');
    console.log(`held-out loss fp32 ${fp32.toFixed(4)} nats; relative change fp16 ${fp16.toExponential(2)}, int8 ${int8.toExponential(2)}, int4 ${int4.toExponential(2)}`);
    expect(Math.abs(fp16)).toBeLessThan(0.001);
    expect(Math.abs(int8)).toBeLessThan(0.005);
    expect(Math.abs(int4)).toBeLessThan(0.02);
  });

  test('an edited spec (extends + a quantize block) takes the same weights', async () => {
    const spec = join(root, 'tiny-int4.moe');
    writeFileSync(spec, `model "tiny-int4" extends "tiny.moe" {\n  quantize { default int4 { block 32 } }\n}\n`);
    const r = moec(['compile', spec, '-o', join(root, 'edited.onnx'), '--weights', run]);
    expect(r.stderr).not.toMatch(/ error /);
    expect(r.code).toBe(0);
    const model = join(root, 'edited.onnx');
    expect(Math.abs((await loss(model)) / fp32 - 1)).toBeLessThan(0.02);
    const meta = readModelMetadata(model);
    expect(meta['moec.architecture_sha256']).toBe(readModelMetadata(join(root, 'fp32.onnx'))['moec.architecture_sha256']);
    expect(meta['moec.spec_sha256']).not.toBe(readModelMetadata(join(root, 'fp32.onnx'))['moec.spec_sha256']);
  });

  test('the metadata record the option and the spec file the export came from', () => {
    const meta = readModelMetadata(join(root, 'int4-block32.onnx'));
    const plain = readModelMetadata(join(root, 'fp32.onnx'));
    expect(meta['moec.quantize_option']).toBe('int4-block32');
    expect(JSON.parse(meta['moec.quantization']!)).toMatchObject({ experts: 'int4 block 32 sym', attention: 'int4 block 32 sym' });
    expect(meta['moec.spec_sha256']).toBe(plain['moec.spec_sha256']);
    expect(plain['moec.quantize_option']).toBeUndefined();
  });

  test('another architecture is still refused, naming the tensor', () => {
    const spec = join(root, 'wider.moe');
    writeFileSync(spec, `model "wider" extends "tiny.moe" {\n  moe { experts 4 { ffn 256 } }\n}\n`);
    const r = moec(['compile', spec, '-o', join(root, 'wider.onnx'), '--weights', run]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('MOE6504');
    expect(r.stderr).toContain('`layers.0.moe.experts.0.gate_proj.weight` is [64, 128] in the checkpoint, [64, 256] in this spec');
    expect(existsSync(join(root, 'wider.onnx'))).toBe(false);
  });

  test('bad --quantize values are reported at the option, with a caret', () => {
    const typo = moec(['compile', TINY, '-o', join(root, 'x.onnx'), '--quantize', 'experts=int4-blok32']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('--quantize:1:14 - error MOE5620: `blok32` in --quantize is not a modifier');
    expect(typo.stderr).toContain('  1 | experts=int4-blok32\n    |              ^^^^^^\n');
    const group = moec(['compile', TINY, '-o', join(root, 'x.onnx'), '--quantize', 'expert=int4']);
    expect(group.stderr).toContain('did you mean `experts`?');
    const block = moec(['compile', TINY, '-o', join(root, 'x.onnx'), '--quantize', 'int4-block48']);
    expect(block.code).toBe(1);
    expect(block.stderr).toMatch(/--quantize:1:6 - error MOE3501: .*48/);
    const tfjs = moec(['compile', TINY, '--target', 'tfjs', '-o', join(root, 'x-tfjs'), '--quantize', 'int4']);
    expect(tfjs.code).toBe(2);
    expect(tfjs.stderr).toContain('MOE5503');
    expect(existsSync(join(root, 'x.onnx'))).toBe(false);
  });
});
