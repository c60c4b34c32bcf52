/**
 * compileOnnx end to end: the tiny spec compiled with seeded weights or from a checkpoint runs
 * in onnxruntime-node and matches the plain-TypeScript reference on the same weights; output is
 * byte-deterministic; metadata is recorded; external data round-trips; failures write nothing.
 * Tolerance: 1e-4 absolute on logits of magnitude ≲ 1 (float32 graph vs float64 reference).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import { afterAll, describe, expect, it } from 'vitest';
import { writeCheckpoint } from '../../../src/checkpoint/index.js';
import { compileOnnx } from '../../../src/lower/onnx/compile-onnx.js';
import { buildIR } from '../../../src/ir/build-ir.js';
import { initWeights } from '../../../src/weights/init-weights.js';
import { VERSION } from '../../../src/version.js';
import { tinySpec } from '../../ir/fixtures.js';
import { inferenceRouting, testIds, testWeights } from '../../reference/cases.js';
import { referenceForward } from '../../reference/reference-forward.js';
import { maxAbsDiff, sequenceFeeds } from './helpers.js';
import { checkTfjsCompileMemory } from '../../../src/lower/onnx/compile-memory.js';

const root = mkdtempSync(join(tmpdir(), 'moec-compile-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const dir = (name: string) => join(root, name);

// specs/tiny.moe as a spec object (the CLI tests compile the file itself).
const tiny = buildIR(tinySpec).value;
const ids = testIds(tiny.vocab, 2, 7);

async function logitsOf(path: string, batch: number[][] = ids): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(path, { intraOpNumThreads: 1 });
  try {
    const out = await session.run(sequenceFeeds(session, batch));
    return out.logits.data as Float32Array;
  } finally {
    await session.release();
  }
}

const metadata = (path: string) =>
  Object.fromEntries(onnxProto.onnx.ModelProto.decode(readFileSync(path)).metadataProps.map((e) => [e.key, e.value]));

describe('compileOnnx on the tiny spec', () => {
  it('seeded weights: runs in onnxruntime and matches the reference forward pass', async () => {
    const out = join(dir('seeded'), 'tiny.onnx');
    const r = await compileOnnx(tiny, { out });
    expect(r.diagnostics.map((d) => d.code)).toEqual(['MOE5020']); // capacity is training-only
    const expected = referenceForward(inferenceRouting(tiny), initWeights(tiny, tiny.train.seed), ids);
    const err = maxAbsDiff(await logitsOf(out), expected);
    console.log(`tiny (seed ${tiny.train.seed}) ONNX vs reference: max abs error ${err.toExponential(2)}`);
    expect(err).toBeLessThan(1e-4);
  });

  it('records name, spec hash, version, seed and quantization in metadata_props', async () => {
    const out = join(dir('meta'), 'tiny.onnx');
    await compileOnnx(tiny, { out, seed: 99, moe: 'dense' });
    const m = metadata(out);
    expect(m).toMatchObject({
      'moec.name': 'tiny',
      'moec.spec_sha256': tiny.specHash,
      'moec.version': VERSION,
      'moec.weights': 'init',
      'moec.seed': '99',
      'moec.moe_dispatch': 'dense',
      'moec.vocab': '256',
      'moec.context': '128',
    });
    expect(JSON.parse(m['moec.quantization'])).toMatchObject({ experts: 'fp32', attention: 'fp32' });
  });

  it('is deterministic: two compiles give the same bytes; another seed does not', async () => {
    const d = dir('determinism');
    await compileOnnx(tiny, { out: join(d, 'a.onnx') });
    await compileOnnx(tiny, { out: join(d, 'b.onnx') });
    await compileOnnx(tiny, { out: join(d, 'c.onnx'), seed: 1 });
    const a = readFileSync(join(d, 'a.onnx'));
    expect(a.equals(readFileSync(join(d, 'b.onnx')))).toBe(true);
    expect(a.equals(readFileSync(join(d, 'c.onnx')))).toBe(false);
  });

  it('external data: shards load and give the same logits as the inline model', async () => {
    const d = dir('external');
    await compileOnnx(tiny, { out: join(d, 'inline.onnx') });
    const r = await compileOnnx(tiny, { out: join(d, 'ext.onnx'), externalData: true, externalThreshold: 4096, shardBytes: 256 * 1024 });
    expect(r.value!.model!.data.length).toBeGreaterThan(1);
    expect(r.value!.model!.bytes).toBeLessThan(200 * 1024);
    expect(readdirSync(d).filter((f) => f.startsWith('ext.onnx_data')).length).toBe(r.value!.model!.data.length);
    expect(Array.from(await logitsOf(join(d, 'ext.onnx')))).toEqual(Array.from(await logitsOf(join(d, 'inline.onnx'))));
    // Deterministic too.
    const again = await compileOnnx(tiny, { out: join(d, 'ext2.onnx'), externalData: true, externalThreshold: 4096, shardBytes: 256 * 1024 });
    expect(again.value!.model!.data.map((f) => readFileSync(f.path).equals(readFileSync(f.path.replace('ext2', 'ext'))))).toEqual(r.value!.model!.data.map(() => true));
  });

  it('a folder model in more than 100 external data files is warned about (transformers.js refuses it), fewer are not', async () => {
    // Six layers of the tiny spec, every tensor in a data file of its own: over 100 files.
    const deeper = buildIR({ ...tinySpec, layers: 6 }).value!;
    const many = await compileOnnx(deeper, { folder: dir('many-shards'), externalData: true, externalThreshold: 16, shardBytes: 1 });
    const files = many.value!.folder!.models[0]!.model.data.length;
    expect(files).toBeGreaterThan(100);
    const warned = many.diagnostics.filter((d) => d.code === 'MOE5529');
    expect(warned.map((d) => d.message)).toEqual([`\`onnx/model.onnx\` keeps its weights in ${files} external data files; transformers.js loads at most 100 (MAX_EXTERNAL_DATA_CHUNKS) and refuses this model`]);
    const few = await compileOnnx(tiny, { folder: dir('few-shards'), externalData: true, externalThreshold: 256, shardBytes: 256 * 1024 });
    expect(few.value!.folder!.models[0]!.model.data.length).toBeGreaterThan(1);
    expect(few.diagnostics.filter((d) => d.code === 'MOE5529')).toEqual([]);
  });

  it('a compile that fails midway leaves neither the output nor a temporary', async () => {
    const d = dir('fail');
    const r = await compileOnnx(tiny, {
      out: join(d, 'tiny.onnx'),
      onProgress: (written) => {
        if (written > 0) throw new Error('injected write failure');
      },
    });
    expect(r.value).toBeUndefined();
    expect(r.diagnostics.map((x) => x.code)).toEqual(['MOE5020', 'MOE9004']);
    expect(readdirSync(d)).toEqual([]);
  });
});

describe('compileOnnx --weights <checkpoint>', () => {
  const weights = testWeights(tiny, 11);
  const run = dir('run');
  const named = tiny.tensors.map((t) => ({ name: t.name, shape: t.shape, data: weights.get(t.name)! }));
  const written = writeCheckpoint(run, { step: 200, specHash: tiny.specHash, weights: named, state: { step: 200 } });

  it('the fixture checkpoint was written', () => {
    expect(written.diagnostics.map((d) => d.message)).toEqual([]);
  });

  it('uses the checkpoint weights (logits match the reference on them) and records the step', async () => {
    const out = join(dir('from-ckpt'), 'tiny.onnx');
    const r = await compileOnnx(tiny, { out, weights: run });
    expect(r.diagnostics.map((d) => d.code)).toEqual(['MOE5020']);
    expect(r.value!.weightsFrom).toMatch(/^checkpoint step 200 /);
    const err = maxAbsDiff(await logitsOf(out), referenceForward(inferenceRouting(tiny), weights, ids));
    console.log(`tiny (checkpoint weights) ONNX vs reference: max abs error ${err.toExponential(2)}`);
    expect(err).toBeLessThan(1e-3);
    expect(metadata(out)).toMatchObject({ 'moec.weights': 'checkpoint', 'moec.checkpoint_step': '200' });
    expect(metadata(out)['moec.seed']).toBeUndefined();
  });

  it('refuses a checkpoint of another spec and writes nothing', async () => {
    const other = { ...tiny, specHash: 'f'.repeat(64) };
    const d = dir('mismatch');
    const r = await compileOnnx(other, { out: join(d, 'x.onnx'), weights: run });
    expect(r.value).toBeUndefined();
    expect(r.diagnostics.map((x) => x.code)).toContain('MOE6502');
    expect(() => readdirSync(d)).toThrow();
  });
});

describe('compile memory check', () => {
  const small = { total: 64 * 2 ** 20, free: 64 * 2 ** 20 };
  it('refuses before allocating when the machine cannot hold the model (MOE5518)', async () => {
    const d = dir('memory');
    const r = await compileOnnx(tiny, { out: join(d, 'x.onnx'), hostMemory: { total: 2 ** 20, free: 2 ** 20 } });
    expect(r.value).toBeUndefined();
    expect(r.diagnostics.map((x) => x.code)).toEqual(['MOE5518']);
    expect(r.diagnostics[0].message).toMatch(/needs about 0\.\d GiB .* this machine has 0\.0 GiB/);
  });
  it('warns when the estimate exceeds free memory only (MOE5519), and compiles', async () => {
    const r = await compileOnnx(tiny, { out: join(dir('memory-warn'), 'x.onnx'), hostMemory: { total: 2 ** 40, free: small.free } });
    expect(r.diagnostics.map((x) => x.code)).toEqual(['MOE5519', 'MOE5020']);
    expect(r.value?.model).toBeDefined();
  });
});

describe('tfjs compile memory check', () => {
  it('counts every weight three times as float32 and refuses past the machine (MOE5518)', () => {
    const params = tiny.tensors.reduce((a, t) => a + t.shape.reduce((x, y) => x * y, 1), 0);
    const need = 256 * 2 ** 20 + 12 * params;
    expect(checkTfjsCompileMemory(tiny, { total: need + 1, free: need + 1 })).toEqual([]);
    const [d] = checkTfjsCompileMemory(tiny, { total: need - 1, free: need - 1 });
    expect(d?.code).toBe('MOE5518');
    expect(d?.hint).toContain('float32 weights');
    expect(checkTfjsCompileMemory(tiny, { total: 2 * need, free: need - 1 }).map((x) => x.code)).toEqual(['MOE5519']);
  });
});

describe('--moe fused', () => {
  it('records the dispatch the graph really has: sparse where the fused op does not fit', async () => {
    const out = join(dir('fused-misfit'), 'x.onnx');
    const router = { ...tinySpec.moe!.router, score: 'sigmoid' as const };
    const ir = buildIR({ ...tinySpec, moe: { ...tinySpec.moe!, router } }).value;
    const r = await compileOnnx(ir, { out, moe: 'fused' });
    expect(r.diagnostics.map((x) => x.code)).toEqual(['MOE5020', 'MOE5001']); // sigmoid scoring
    expect(metadata(out)['moec.moe_dispatch']).toBe('sparse');
  });

  it('fused where it fits, with logits matching the reference', async () => {
    const router = { ...tinySpec.moe!.router, capacity_factor: undefined, overflow: undefined };
    const ir = buildIR({ ...tinySpec, moe: { ...tinySpec.moe!, router } }).value;
    const out = join(dir('fused'), 'x.onnx');
    const r = await compileOnnx(ir, { out, moe: 'fused' });
    expect(r.diagnostics).toEqual([]);
    expect(metadata(out)['moec.moe_dispatch']).toBe('fused');
    const err = maxAbsDiff(await logitsOf(out), referenceForward(ir, initWeights(ir, ir.train.seed), ids));
    expect(err).toBeLessThan(1e-4);
  });
});
