/**
 * What `moec train` produces goes out to Hugging Face: a moec checkpoint (docs/checkpoint.md) of
 * a spec a model_type holds is exported with `--weights run/` and read back through the HF
 * reader with the same float32 bits; and the HF directory gives the same ONNX logits as the run
 * (one weights source, two formats).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeCheckpoint } from '../../../src/checkpoint/index.js';
import { exportHf } from '../../../src/interop/hf/export-hf.js';
import { importConfig } from '../../../src/interop/hf/import-config.js';
import { emitOnnxModel } from '../../../src/lower/onnx/emit-model.js';
import { LazyInitWeights } from '../../../src/weights/lazy-weights.js';
import { readModelWeights } from '../../../src/weights/read-model-weights.js';
import { encode, maxAbsDiff, runLogits } from '../../lower/onnx/helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'moec-hf-run-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('moec export hf --weights <moec run>', () => {
  it('exports a checkpoint moec wrote; the HF directory reads back bit for bit and computes the same logits', async () => {
    const { ir } = importConfig('test/fixtures/hf/deepseek-v3-mla-yarn').value!;
    const init = new LazyInitWeights(ir, 3);
    const run = join(tmp, 'run');
    const named = ir.tensors.map((t) => ({ name: t.name, shape: t.shape, data: init.get(t.name)! }));
    const arch = { hash: ir.architectureHash, description: (await import('../../../src/ir/architecture.js')).describeArchitecture(ir) };
    expect(writeCheckpoint(run, { step: 5, specHash: ir.specHash, architecture: arch, weights: named, state: {} }).diagnostics).toEqual([]);
    const moec = readModelWeights(run, ir).value!;
    expect(moec.kind).toBe('moec');
    const out = join(tmp, 'hf');
    expect(exportHf(ir, moec.weights, out).value).toBeDefined();
    const hf = readModelWeights(out, ir).value!;
    expect(hf.kind).toBe('hf');
    for (const t of ir.tensors) expect(Buffer.from(hf.weights.get(t.name)!.buffer).equals(Buffer.from(moec.weights.get(t.name)!.buffer)), t.name).toBe(true);
    const ids = [[1, 5, 9, 13, 2, 7]];
    const a = await runLogits(encode(emitOnnxModel(ir, moec.weights)), ids);
    const b = await runLogits(encode(emitOnnxModel(ir, hf.weights)), ids);
    expect(maxAbsDiff(a, b)).toBe(0);
    hf.close();
  });
});
