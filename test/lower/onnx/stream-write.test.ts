/**
 * The streamed writer (write-model.ts with emitOnnxGraph's deferred initializers): the bytes
 * equal those of the model built whole, inline and in external-data shards; a weight source that
 * fails mid-write (or at its final checksum) leaves no output and no temporaries and its own
 * diagnostics; compiles on one thread and on several give byte-identical files.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createDiagnostic } from '../../../src/diagnostics/diagnostic.js';
import { buildIR } from '../../../src/ir/build-ir.js';
import { compileOnnx } from '../../../src/lower/onnx/compile-onnx.js';
import { emitOnnxGraph, emitOnnxModel, mapDataContext } from '../../../src/lower/onnx/emit-model.js';
import { SourceFailure } from '../../../src/lower/onnx/initializer-data.js';
import { readOrder } from '../../../src/lower/onnx/source-data.js';
import { writeOnnxModel } from '../../../src/lower/onnx/write-model.js';
import { kernelPool } from '../../../src/parallel/kernel-pool.js';
import type { WeightSource } from '../../../src/weights/weight-source.js';
import { seededSource } from '../../../src/weights/seeded-source.js';
import { tinySpec } from '../../ir/fixtures.js';
import { testWeights } from '../../reference/cases.js';

const root = mkdtempSync(join(tmpdir(), 'moec-stream-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = () => join(root, `case-${n++}`);
const files = (dir: string) => readdirSync(dir).sort();
const same = (a: string, b: string) => files(a).every((f) => readFileSync(join(a, f)).equals(readFileSync(join(b, f))));

const ir = buildIR({ ...tinySpec, quantize: { experts: { dtype: 'int4', block: 32 }, attention: { dtype: 'int8' }, embeddings: { dtype: 'fp16' } } }).value;
const weights = testWeights(ir);
const external = { externalData: true, externalThreshold: 256, shardBytes: 64 * 1024 } as const;

describe('streamed write', () => {
  for (const [label, options] of [['inline', {}], ['external data in shards', external]] as const) {
    it(`${label}: the same bytes as the model built whole`, async () => {
      const [a, b] = [fresh(), fresh()];
      const graph = emitOnnxGraph(ir);
      expect(graph.deferred.size).toBeGreaterThan(0);
      expect(graph.model.graph!.initializer!.filter((t) => graph.deferred.has(t.name!)).every((t) => t.rawData === undefined || t.rawData === null)).toBe(true);
      const streamed = await writeOnnxModel({ ...graph, data: mapDataContext(ir, weights) }, join(a, 'm.onnx'), options);
      const whole = await writeOnnxModel(emitOnnxModel(ir, weights), join(b, 'm.onnx'), options);
      expect(streamed.diagnostics).toEqual([]);
      expect(whole.diagnostics).toEqual([]);
      expect(files(a)).toEqual(files(b));
      if (label !== 'inline') expect(files(a).length).toBeGreaterThan(2);
      expect(same(a, b)).toBe(true);
    });
  }

  it('lists the tensors in the order the writer reads them (IR order for this graph)', () => {
    const order = readOrder(emitOnnxGraph(ir));
    expect(new Set(order).size).toBe(order.length);
    expect([...order].sort()).toEqual(ir.tensors.map((t) => t.name).sort());
  });

  it('a source failing mid-write: its diagnostics, no output, no temporaries, the previous model intact', async () => {
    const dir = fresh();
    const path = join(dir, 'm.onnx');
    await writeOnnxModel(emitOnnxModel(ir, weights), path, external);
    const before = files(dir).map((f) => readFileSync(join(dir, f)));
    const broken = createDiagnostic('MOE6505', { args: { path: 'ckpt', reason: 'injected' } });
    let reads = 0;
    const data = {
      read: (name: string) => {
        if (++reads === 9) throw new SourceFailure([broken]);
        return weights.get(name)!;
      },
    };
    const r = await writeOnnxModel({ ...emitOnnxGraph(ir), data }, path, external);
    expect(r.value).toBeUndefined();
    expect(r.diagnostics).toEqual([broken]);
    expect(files(dir).map((f) => readFileSync(join(dir, f)))).toEqual(before);
  });

  it('a conversion failing (an allocation the machine refuses) is MOE9004 naming the initializer and the IR tensor, with nothing left behind', async () => {
    const dir = fresh();
    const victim = ir.tensors.find((t) => t.name.endsWith('experts.1.up_proj.weight'))!.name;
    const data = {
      read: (name: string) => {
        if (name === victim) throw new RangeError('Array buffer allocation failed');
        return weights.get(name)!;
      },
    };
    const r = await writeOnnxModel({ ...emitOnnxGraph(ir), data }, join(dir, 'm.onnx'), external);
    expect(r.diagnostics.map((d) => d.code)).toEqual(['MOE9004']);
    expect(r.diagnostics[0].message).toContain(`initializer \`${victim}\` (from ${victim}): Array buffer allocation failed`);
    expect(files(dir)).toEqual([]);
  });

  it('a checksum failure found at the end of the pass: nothing renamed into place', async () => {
    const dir = fresh();
    const broken = createDiagnostic('MOE6505', { args: { path: 'ckpt', reason: 'x.bin does not match its sha256' } });
    const r = await writeOnnxModel({ ...emitOnnxGraph(ir), data: { ...mapDataContext(ir, weights), finish: () => [broken] } }, join(dir, 'm.onnx'), external);
    expect(r.diagnostics).toEqual([broken]);
    expect(files(dir)).toEqual([]);
  });
});

describe('compileOnnx on several threads', () => {
  // Tensors above the parallel threshold (1 Mi values): the 4096 × 512 embedding and LM head
  // (fp32), the 512 × 2048 experts (int4): several tensors through each of the pool's buffers.
  const big = buildIR({
    ...tinySpec,
    vocab: 4096,
    hidden: 512,
    layers: 1,
    attention: { heads: 8, kv_heads: 2, head_dim: 64 },
    moe: { ...tinySpec.moe!, experts: { count: 4, ffn: 2048, activation: 'swiglu' } },
    quantize: { experts: { dtype: 'int4', block: 32 }, attention: { dtype: 'int8' } },
  }).value;

  for (const [label, options] of [['external data', { ...external, shardBytes: 2 ** 24 }], ['inline', {}]] as const) {
    it(`${label}: one thread and three give byte-identical files (seeded weights generated and quantized in parallel)`, async () => {
      const [a, b] = [fresh(), fresh()];
      const ra = await compileOnnx(big, { out: join(a, 'm.onnx'), ...options, threads: 1 });
      const rb = await compileOnnx(big, { out: join(b, 'm.onnx'), ...options, threads: 3 });
      expect(ra.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      expect(rb.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      expect(files(a)).toEqual(files(b));
      expect(same(a, b)).toBe(true);
    });
  }

  it('two compiles at once on the process\'s pool write what each writes alone (each has its own scratch buffers)', async () => {
    // The process's pool is made on first use: with two threads here, whatever the machine.
    vi.stubEnv('MOEC_THREADS', '2');
    expect(kernelPool().threads).toBe(2);
    vi.unstubAllEnvs();
    const options = { ...external, shardBytes: 2 ** 24 };
    const alone = [fresh(), fresh()];
    for (const [i, dir] of alone.entries()) expect((await compileOnnx(big, { out: join(dir, 'm.onnx'), seed: i, ...options })).value).toBeDefined();
    const together = [fresh(), fresh()];
    const r = await Promise.all(together.map((dir, i) => compileOnnx(big, { out: join(dir, 'm.onnx'), seed: i, ...options })));
    expect(r.every((x) => x.value !== undefined)).toBe(true);
    for (const i of [0, 1]) expect(same(alone[i], together[i]), `seed ${i}`).toBe(true);
  });

  it('a source is asked for each tensor once per model, in the announced order, and closed', async () => {
    const seeded = seededSource(big, 5);
    const log: string[] = [];
    let announced: readonly string[] = [];
    let closed = false;
    const source: WeightSource = {
      ...seeded,
      begin: (order) => void (announced = order),
      read: (name, out) => (log.push(name), seeded.read(name, out)),
      close: () => void (closed = true),
    };
    const r = await compileOnnx(big, { out: join(fresh(), 'm.onnx'), source });
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(log).toEqual(announced);
    expect(log.length).toBe(big.tensors.length);
    expect(closed).toBe(true);
  });
});
