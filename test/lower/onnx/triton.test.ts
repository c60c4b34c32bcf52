/**
 * The Triton model repository: layout, config.pbtxt contents, and the full-sequence graph
 * (input_ids → logits, what Triton's stateless dynamic batching serves), giving the same
 * logits as the cached `-o` model run on whole sequences.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { buildIR } from '../../../src/ir/build-ir.js';
import { compileOnnx } from '../../../src/lower/onnx/compile-onnx.js';
import { tritonConfig, tritonModelName } from '../../../src/lower/onnx/triton.js';
import { tinySpec } from '../../ir/fixtures.js';
import { sequenceFeeds } from './helpers.js';

const root = mkdtempSync(join(tmpdir(), 'moec-triton-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const tiny = buildIR(tinySpec).value;

describe('Triton repository', () => {
  it('writes <name>/config.pbtxt and <name>/1/model.onnx (the full-sequence graph, same logits as -o)', async () => {
    const repo = join(root, 'repo');
    const r = await compileOnnx(tiny, { out: join(root, 'tiny.onnx'), triton: repo, tritonOptions: { maxBatchSize: 16, instances: 2 } });
    expect(r.diagnostics.map((d) => d.code)).toEqual(['MOE5020']);
    expect(readdirSync(repo)).toEqual(['tiny']);
    expect(readdirSync(join(repo, 'tiny')).sort()).toEqual(['1', 'config.pbtxt']);
    expect(readdirSync(join(repo, 'tiny', '1'))).toEqual(['model.onnx']);
    const config = readFileSync(join(repo, 'tiny', 'config.pbtxt'), 'utf8');
    expect(config).toBe(tritonConfig('tiny', 256, { maxBatchSize: 16, instances: 2 }));
    // The tensors Triton declares are the model's (batch dimension owned by Triton).
    const session = await ort.InferenceSession.create(join(repo, 'tiny', '1', 'model.onnx'));
    expect(session.inputNames).toEqual(['input_ids']);
    expect(session.outputNames).toEqual(['logits']);
    const out = await session.run({ input_ids: new ort.Tensor('int64', BigInt64Array.from([1n, 2n, 3n, 4n, 5n, 6n]), [2, 3]) });
    expect(out.logits.dims).toEqual([2, 3, 256]);
    await session.release();
    const cached = await ort.InferenceSession.create(join(root, 'tiny.onnx'));
    const same = await cached.run(sequenceFeeds(cached, [[1, 2, 3], [4, 5, 6]]));
    await cached.release();
    expect(Array.from(same.logits.data as Float32Array)).toEqual(Array.from(out.logits.data as Float32Array));
  });

  it('config.pbtxt: onnxruntime platform, int64 ids, fp32 logits [-1, vocab], dynamic batching, instances', () => {
    expect(tritonConfig('tiny', 256)).toBe(
      [
        'name: "tiny"',
        'platform: "onnxruntime_onnx"',
        'max_batch_size: 8',
        'input [',
        '  {',
        '    name: "input_ids"',
        '    data_type: TYPE_INT64',
        '    dims: [ -1 ]',
        '  }',
        ']',
        'output [',
        '  {',
        '    name: "logits"',
        '    data_type: TYPE_FP32',
        '    dims: [ -1, 256 ]',
        '  }',
        ']',
        'dynamic_batching {',
        '  preferred_batch_size: [ 2, 4, 8 ]',
        '  max_queue_delay_microseconds: 100',
        '}',
        'instance_group [',
        '  {',
        '    count: 1',
        '    kind: KIND_CPU',
        '  }',
        ']',
        '',
      ].join('\n'),
    );
    expect(tritonConfig('m', 10, { maxBatchSize: 0, kind: 'gpu' })).not.toContain('dynamic_batching');
    expect(tritonConfig('m', 10, { maxBatchSize: 0, kind: 'gpu' })).toContain('kind: KIND_GPU');
    expect(tritonConfig('m', 10, { maxBatchSize: 12 })).toContain('preferred_batch_size: [ 2, 4, 8, 12 ]');
  });

  it('model names keep to the characters Triton accepts', () => {
    expect(tritonModelName('deepseek-v3')).toBe('deepseek-v3');
    expect(tritonModelName('my model/v2')).toBe('my_model_v2');
    expect(tritonModelName('..')).toBe('model');
  });

  it('with external data the shards sit beside 1/model.onnx', async () => {
    const repo = join(root, 'ext-repo');
    const r = await compileOnnx(tiny, { triton: repo, externalData: true, externalThreshold: 65536 });
    expect(r.diagnostics.map((d) => d.code)).toEqual(['MOE5020']);
    expect(readdirSync(join(repo, 'tiny', '1')).sort()).toEqual(['model.onnx', 'model.onnx_data']);
    const session = await ort.InferenceSession.create(join(repo, 'tiny', '1', 'model.onnx'));
    await session.release();
  });
});
