/**
 * The training functions on whole models: lossAndGrads with sparse and dense-masked dispatch
 * agree (no drops: tolerance 1e-5), recompute (activation checkpointing) gives the same loss
 * and gradients, tensor counts stay flat across steps, and the aux-loss-free bias update
 * moves the routing bias towards balance.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { updateRouterBias, disposeGrads } from '../../../src/lower/tfjs/model.js';
import { referenceIR, testIds, testWeights } from '../../reference/cases.js';
import { ids2d, maxRelDiff, useBackend, withModel } from './helpers.js';

function batchFor(vocab: number) {
  const ids = testIds(vocab, 2, 7);
  return {
    inputs: ids2d(ids.map((r) => r.slice(0, 6))),
    targets: ids2d(ids.map((r) => r.slice(1))),
  };
}

describe('lossAndGrads', () => {
  it('sparse == dense-masked, recompute == stored, on an MLA + MoE model (wasm)', async () => {
    await useBackend('wasm');
    const ir = referenceIR('mla-qlora-moe');
    for (const l of ir.layers) if (l.ffn.kind === 'moe') Object.assign(l.ffn.router, { capacityFactor: 8, auxLoss: 0.01, zLoss: 0.001 });
    const w = testWeights(ir);
    const batch = batchFor(ir.vocab);
    const run = (dispatch: 'sparse' | 'dense', checkpointing: 'none' | 'full') =>
      withModel(ir, w, (m) => {
        const r = m.lossAndGrads(batch, { seed: 3 });
        const grads = new Map([...r.grads].map(([n, g]) => [n, g.dataSync() as Float32Array]));
        disposeGrads(r.grads);
        return { ...r, grads };
      }, { dispatch, checkpointing });
    const sparse = await run('sparse', 'none');
    const dense = await run('dense', 'none');
    const recomputed = await run('sparse', 'full');
    expect(sparse.auxLoss).toBeGreaterThan(0);
    expect(sparse.zLoss).toBeGreaterThan(0);
    expect(Math.abs(sparse.loss - (sparse.ce + sparse.auxLoss + sparse.zLoss))).toBeLessThan(1e-5);
    expect(Math.abs(sparse.loss - dense.loss)).toBeLessThan(1e-5);
    expect(recomputed.loss).toBeCloseTo(sparse.loss, 6);
    expect([...sparse.grads.keys()]).toEqual(ir.tensors.filter((t) => t.trainable).map((t) => t.name));
    for (const [n, g] of sparse.grads) {
      expect(maxRelDiff(g, dense.grads.get(n)!), n).toBeLessThan(1e-5);
      expect(maxRelDiff(g, recomputed.grads.get(n)!), n).toBeLessThan(1e-6);
    }
    expect(sparse.stats.moeLayers).toEqual([1]);
    expect(sparse.stats.expertLoad[0]!.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    expect(sparse.stats.droppedFraction).toEqual([0]);
  });

  it('keeps tensor counts flat across steps, with and without recompute', async () => {
    await useBackend('wasm');
    const ir = referenceIR('moe-softmax-capacity-drop-shared-gate');
    const batch = batchFor(ir.vocab);
    for (const checkpointing of ['none', 'full'] as const) {
      await withModel(ir, testWeights(ir), (m) => {
        const counts: number[] = [];
        for (let step = 0; step < 4; step++) {
          const r = m.lossAndGrads(batch, { seed: step });
          disposeGrads(r.grads);
          const f = m.forward(batch.inputs, { training: false });
          f.logits.dispose();
          counts.push(tf.memory().numTensors);
        }
        expect(new Set(counts).size, `${checkpointing}: ${counts}`).toBe(1);
      }, { checkpointing });
    }
  });

  it('padded positions (mask 0) are left out of every router loss and statistic', async () => {
    await useBackend('cpu');
    const ir = referenceIR('moe-softmax-capacity-drop-shared-gate');
    for (const l of ir.layers) if (l.ffn.kind === 'moe') Object.assign(l.ffn.router, { auxLoss: 0.05, zLoss: 0.01, auxLossType: 'sequence', capacityFactor: 8 });
    const ids = testIds(ir.vocab, 2, 7);
    // Right padding: the last 3 positions of sequence 1 are padding (causal attention keeps
    // them from influencing the real tokens), their targets are −1.
    const mask = [[1, 1, 1, 1, 1, 1], [1, 1, 1, 0, 0, 0]];
    const batch = (padId: number) => ({
      inputs: ids2d(ids.map((r, b) => r.slice(0, 6).map((v, s) => (mask[b]![s] ? v : padId)))),
      targets: ids2d(ids.map((r, b) => r.slice(1).map((v, s) => (mask[b]![s] ? v : -1)))),
      mask: ids2d(mask),
    });
    const run = (padId: number, masked: boolean) =>
      withModel(ir, testWeights(ir), (m) => {
        const b = batch(padId);
        const r = m.lossAndGrads(masked ? b : { inputs: b.inputs, targets: b.targets }, { seed: 1 });
        disposeGrads(r.grads);
        return r;
      });
    const a = await run(3, true);
    const b = await run(7, true);
    const unmasked = await run(3, false);
    expect(a.auxLoss).toBeGreaterThan(0);
    expect(b.auxLoss).toBe(a.auxLoss);
    expect(b.zLoss).toBe(a.zLoss);
    expect(b.ce).toBe(a.ce);
    expect(b.stats).toEqual(a.stats);
    expect(b.balanceCounts).toEqual(a.balanceCounts);
    // Nine real tokens, top-2: the counts cover 18 assignments; without the mask, 24.
    expect(a.stats.keptLoad[0]!.reduce((x, y) => x + y, 0)).toBe(18);
    expect(unmasked.stats.keptLoad[0]!.reduce((x, y) => x + y, 0)).toBe(24);
    expect([...a.balanceCounts.values()][0]!.reduce((x, y) => x + y, 0)).toBe(18);
    expect(a.stats.expertLoad[0]!.reduce((x, y) => x + y, 0)).toBeCloseTo(1, 6);
    expect(unmasked.auxLoss).not.toBe(a.auxLoss);
  });

  it('updateRouterBias raises under-loaded experts and lowers over-loaded ones', async () => {
    await useBackend('cpu');
    const ir = referenceIR('moe-sigmoid-bias-groups-max-scaling');
    const w = testWeights(ir);
    await withModel(ir, w, (m) => {
      const name = 'layers.0.moe.router.score_bias';
      const before = Float32Array.from(m.variables.get(name)!.dataSync() as Float32Array);
      // keptLoad (counts after drops) drives the update, not expertLoad (before drops).
      const stats = {
        moeLayers: [0],
        expertLoad: [[0.125, 0.125, 0.125, 0.125, 0.125, 0.125, 0.125, 0.125]],
        keptLoad: [[8, 4, 2, 2, 0, 0, 0, 0]],
        routerEntropy: [1],
        droppedFraction: [0],
      };
      updateRouterBias(m.variables, stats, ir);
      const after = m.variables.get(name)!.dataSync();
      const mean = 2;
      stats.keptLoad[0]!.forEach((load, e) => {
        const expected = Math.fround(before[e]! + 0.001 * Math.sign(mean - load));
        expect(after[e]).toBeCloseTo(expected, 7);
      });
    });
  });
});
