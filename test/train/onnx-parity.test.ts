/**
 * Parity between the trained TensorFlow.js graph and its ONNX export: train the tiny spec a
 * few steps (wasm), export the checkpoint with `compileOnnx(ir, { weights: run })` (what
 * `moec compile --target onnx --weights run/` does), run onnxruntime on two sequences of the
 * demo text and compare the logits with the tfjs forward pass on the same ids. The export routes
 * per token (capacity is training-only, docs/semantics.md §Inference routing), so the tfjs side
 * runs the same IR with capacity removed.
 * Tolerance: max |Δlogit| ≤ 1e-3 (both float32; measured ~1e-5).
 */
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCheckpointWeights } from '../../src/checkpoint/index.js';
import { compileOnnx } from '../../src/lower/onnx/compile-onnx.js';
import { createTfjsModel } from '../../src/lower/tfjs/model.js';
import { createVariables, disposeVariables } from '../../src/lower/tfjs/variables.js';
import { runTraining } from '../../src/train/loop.js';
import { buildTinyIR } from './tiny-model.js';
import { inferenceRouting } from '../reference/cases.js';
import { sequenceFeeds } from '../lower/onnx/helpers.js';

const root = mkdtempSync(join(tmpdir(), 'moec-parity-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('trained checkpoint: ONNX export vs TensorFlow.js', () => {
  it('gives the same logits in onnxruntime and in the tfjs forward pass', async () => {
    const ir = await buildTinyIR((s) => Object.assign(s.train!, { batch: 4, seq_len: 32 }));
    const run = join(root, 'run');
    const trained = await runTraining({ ir, specFile: 'specs/tiny.moe', outDir: run, steps: 8, backend: 'wasm', progress: 'silent' });
    expect(trained.status).toBe('completed');

    const file = join(root, 'tiny.onnx');
    const compiled = await compileOnnx(ir, { out: file, weights: run });
    expect(compiled.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(compiled.value!.metadata['moec.checkpoint_step']).toBe('8');

    const text = 'It is a truth universally acknowledged, that a single man in possession of a good fortune, must be in want of a wife.';
    const bytes = [...Buffer.from(text, 'utf8')];
    const ids = [bytes.slice(0, 32), bytes.slice(40, 72)];

    const session = await ort.InferenceSession.create(file, { intraOpNumThreads: 1 });
    const onnxLogits = (await session.run(sequenceFeeds(session, ids))).logits!.data as Float32Array;
    await session.release();

    const weights = readCheckpointWeights(run, ir).value!;
    const vars = createVariables(ir, weights);
    const { model } = createTfjsModel(inferenceRouting(ir), vars);
    const input = tf.tensor2d(ids, [2, 32], 'int32');
    const { logits } = model.forward(input, { training: false });
    const tfLogits = logits.dataSync() as Float32Array;
    logits.dispose();
    input.dispose();
    disposeVariables(vars);

    expect(onnxLogits.length).toBe(2 * 32 * ir.vocab);
    let maxErr = 0;
    let agree = 0;
    for (let i = 0; i < onnxLogits.length; i++) maxErr = Math.max(maxErr, Math.abs(onnxLogits[i]! - tfLogits[i]!));
    for (let t = 0; t < 64; t++) {
      const row = (a: Float32Array) => a.subarray(t * ir.vocab, (t + 1) * ir.vocab);
      const argmax = (r: Float32Array) => r.indexOf(Math.max(...r));
      if (argmax(row(onnxLogits)) === argmax(row(tfLogits))) agree++;
    }
    console.log(`onnx-parity: max |Δlogit| = ${maxErr.toExponential(3)} over ${onnxLogits.length} logits; argmax agrees on ${agree}/64 positions`);
    expect(maxErr).toBeLessThanOrEqual(1e-3);
    expect(agree).toBe(64);
  });
});
