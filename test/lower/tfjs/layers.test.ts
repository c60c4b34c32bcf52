/**
 * The Layers artifact: compileTfjs → tf.loadLayersModel through the file IOHandler after
 * importing layers.ts → predict equals TfjsModel.forward (tolerance 1e-5); the artifact's
 * bytes are deterministic; model.fit runs on the loaded model and lowers the loss.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { compileTfjs } from '../../../src/lower/tfjs/compile-tfjs.js';
import { fileHandler, lmLoss } from '../../../src/lower/tfjs/layers.js';
import { referenceIR, testIds, testWeights } from '../../reference/cases.js';
import { ids2d, maxRelDiff, useBackend, withModel } from './helpers.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'moec-layers-'));

describe('Layers artifact', () => {
  for (const name of ['mla-qlora-moe', 'moe-softmax-capacity-drop-shared-gate', 'mha-layernorm-bias-partial-rope-gelu-tied', 'gpt-oss-clamped-swiglu-lm-head-bias', 'layernorm-no-bias-tied-lm-head-bias', 'moe-top2sum-no-drop-unnormalized', 'granite-multipliers']) {
    it(`round-trips ${name}: predict == forward`, async () => {
      await useBackend('cpu');
      const ir = referenceIR(name);
      const w = testWeights(ir);
      const out = path.join(tmp, name);
      const res = await compileTfjs(ir, { out, seed: 1, weights: w });
      expect(res.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      expect(res.value.files.map((f) => path.basename(f))).toEqual(['model.json', 'weights.bin']);
      const model = await tf.loadLayersModel(fileHandler(out));
      const ids = ids2d(testIds(ir.vocab, 2, 6));
      const predicted = (model.predict(ids, { batchSize: 2 }) as tf.Tensor).dataSync();
      const expected = await withModel(ir, w, (m) => m.forward(ids, { training: false }).logits.dataSync());
      expect(maxRelDiff(predicted, expected)).toBeLessThan(1e-5);
      const manifest = JSON.parse(fs.readFileSync(path.join(out, 'model.json'), 'utf8'));
      const names = manifest.weightsManifest[0].weights.map((x: { name: string }) => x.name.replace('/', '.'));
      expect(new Set(names)).toEqual(new Set(ir.tensors.map((t) => t.name)));
      model.dispose();
    });
  }

  it('writes the same bytes twice', async () => {
    const ir = referenceIR('mla-qlora-moe');
    await compileTfjs(ir, { out: path.join(tmp, 'a'), seed: 5 });
    await compileTfjs(ir, { out: path.join(tmp, 'b'), seed: 5 });
    for (const f of ['model.json', 'weights.bin']) {
      expect(fs.readFileSync(path.join(tmp, 'a', f)).equals(fs.readFileSync(path.join(tmp, 'b', f)))).toBe(true);
    }
  });

  it('trains with model.fit (cross-entropy + the MoE layers\' aux losses)', async () => {
    await useBackend('wasm');
    const ir = referenceIR('moe-softmax-capacity-drop-shared-gate');
    for (const l of ir.layers) if (l.ffn.kind === 'moe') Object.assign(l.ffn.router, { auxLoss: 0.01, zLoss: 0.001 });
    const out = path.join(tmp, 'fit');
    await compileTfjs(ir, { out, seed: 2 });
    const model = await tf.loadLayersModel(fileHandler(out));
    model.compile({ optimizer: tf.train.adam(0.01), loss: lmLoss });
    const ids = testIds(ir.vocab, 4, 9);
    const x = ids2d(ids.map((r) => r.slice(0, 8)));
    const y = tf.oneHot(ids2d(ids.map((r) => r.slice(1))), ir.vocab);
    const hist = await model.fit(x, y, { epochs: 15, batchSize: 4, verbose: 0 });
    const losses = hist.history.loss as number[];
    expect(losses[losses.length - 1]!).toBeLessThan(losses[0]! * 0.8);
    model.dispose();
  });

  it('model.fit balances with score_bias as moec train does: non-trainable, moved by bias_update', async () => {
    await useBackend('wasm');
    const ir = referenceIR('moe-sigmoid-bias-groups-max-scaling');
    const out = path.join(tmp, 'fit-bias');
    await compileTfjs(ir, { out, seed: 3 });
    const model = await tf.loadLayersModel(fileHandler(out));
    const biases = model.weights.filter((w) => w.name.includes('router.score_bias'));
    expect(biases.length).toBeGreaterThan(0);
    expect(model.trainableWeights.filter((w) => w.name.includes('router.score_bias'))).toEqual([]);
    model.compile({ optimizer: tf.train.adam(0.01), loss: lmLoss });
    const ids = testIds(ir.vocab, 4, 9);
    const x = ids2d(ids.map((r) => r.slice(0, 8)));
    const y = tf.oneHot(ids2d(ids.map((r) => r.slice(1))), ir.vocab);
    await model.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0 });
    const layer = ir.layers.find((l) => l.ffn.kind === 'moe')!;
    const gamma = layer.ffn.kind === 'moe' ? layer.ffn.router.biasUpdate : 0;
    for (const b of biases) {
      // Two batches: each expert moved by −2γ, 0 or +2γ (a balanced expert does not move).
      const v = Array.from(b.read().dataSync());
      expect(v.some((e) => e !== 0)).toBe(true);
      for (const e of v) expect([-2, -1, 0, 1, 2].some((m) => Math.abs(e - m * gamma) < 1e-9)).toBe(true);
    }
    model.dispose();
  });
});
