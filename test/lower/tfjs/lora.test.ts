/**
 * LoRA in the training graph (src/lower/tfjs/lora.ts):
 * - fresh adapters (B = 0, PEFT's init) leave the logits bit for bit equal to the base model's;
 * - gradient check: analytic gradients of every adapter tensor (attention incl. MLA q_a/q_b/kv_a/
 *   kv_b, router, every routed expert's gate/up/down, shared and dense FFNs, adapter dropout on)
 *   against central finite differences in float32 on cpu, Richardson-extrapolated from steps 1e-2
 *   and 5e-3: |g − fd| ≤ 5e-4 + 2e-2·|fd| (B drawn non-zero so A has a gradient too). A probe whose perturbation changes the routing
 *   (a discontinuity: the loads change, or the quotients at h, h/2 and h/4 disagree) is
 *   skipped; at least 90% of probes must be checked;
 * - gradients exist for the adapters only (the base weights are frozen), and recompute
 *   (checkpointing full) gives the same adapter gradients (1e-6).
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { resolveLora } from '../../../src/ir/defaults.js';
import { loraModules, loraTensors } from '../../../src/ir/lora.js';
import type { LoraTarget } from '../../../src/spec/types.js';
import type { ModelIR } from '../../../src/ir/types.js';
import { createLoraRuntime } from '../../../src/lower/tfjs/lora.js';
import { createTfjsModel, disposeGrads, type Batch, type TfjsModel } from '../../../src/lower/tfjs/model.js';
import { createVariables, disposeVariables } from '../../../src/lower/tfjs/variables.js';
import { fillNormal } from '../../../src/weights/init-weights.js';
import { initLoraWeights } from '../../../src/weights/lora-init.js';
import { referenceIR, testIds, testWeights } from '../../reference/cases.js';
import { ids2d, maxRelDiff, useBackend } from './helpers.js';

function withLora(name: string, targets: LoraTarget[], over: { rank?: number; dropout?: number } = {}): ModelIR {
  const ir = referenceIR(name);
  ir.train.lora = resolveLora({ rank: over.rank ?? 2, alpha: 4, dropout: over.dropout ?? 0, targets }, ir.layers.length);
  return ir;
}

/** Adapters with B ≠ 0 (a fresh B is zero, which would make every A gradient zero). */
function trainedAdapters(ir: ModelIR): Map<string, Float32Array> {
  const lora = ir.train.lora!;
  const out = initLoraWeights(loraModules(ir, lora), lora.rank, 3);
  for (const t of loraTensors(loraModules(ir, lora), lora.rank)) {
    if (t.name.endsWith('lora_B.weight')) fillNormal(out.get(t.name)!, 0.5, 5, t.name);
  }
  return out;
}

async function withLoraModel<T>(ir: ModelIR, adapters: Map<string, Float32Array>, body: (m: TfjsModel) => T, checkpointing: 'none' | 'full' = 'none'): Promise<T> {
  const vars = createVariables(ir, testWeights(ir), { frozen: true });
  try {
    const lora = createLoraRuntime(ir, vars, adapters);
    return body(createTfjsModel(ir, vars, { lora, checkpointing }).model);
  } finally {
    disposeVariables(vars);
  }
}

function batchFor(vocab: number): Batch {
  const ids = testIds(vocab, 2, 7);
  return { inputs: ids2d(ids.map((r) => r.slice(0, 6))), targets: ids2d(ids.map((r) => r.slice(1))) };
}

const ALL: LoraTarget[] = ['attention', 'router', 'experts', 'shared', 'dense'];

describe('LoRA adapters (tfjs)', () => {
  it('fresh adapters leave the logits bit for bit unchanged', async () => {
    await useBackend('cpu');
    const ir = withLora('moe-softmax-capacity-drop-shared-gate', ALL);
    const lora = ir.train.lora!;
    const ids = batchFor(ir.vocab).inputs;
    const base = await (async () => {
      const vars = createVariables(ir, testWeights(ir));
      try {
        const f = createTfjsModel(ir, vars).model.forward(ids, { training: false });
        return f.logits.dataSync() as Float32Array;
      } finally {
        disposeVariables(vars);
      }
    })();
    const adapted = await withLoraModel(ir, initLoraWeights(loraModules(ir, lora), lora.rank, 1), (m) => m.forward(ids, { training: false }).logits.dataSync() as Float32Array);
    expect(Buffer.from(adapted.buffer).equals(Buffer.from(base.buffer))).toBe(true);
  });

  for (const name of ['moe-softmax-capacity-drop-shared-gate', 'mla-qlora-moe'] as const) {
    it(`adapter gradients match finite differences (${name}, dropout 0.2)`, async () => {
      await useBackend('cpu');
      const ir = withLora(name, ALL, { dropout: 0.2 });
      for (const l of ir.layers) if (l.ffn.kind === 'moe') Object.assign(l.ffn.router, { capacityFactor: 8, auxLoss: 0.01, zLoss: 0.001 });
      const adapters = trainedAdapters(ir);
      const batch = batchFor(ir.vocab);
      await withLoraModel(ir, adapters, (m) => {
        const evalAt = () => {
          const r = m.lossAndGrads(batch, { seed: 9 });
          disposeGrads(r.grads);
          return { loss: r.loss, load: JSON.stringify(r.stats.expertLoad) };
        };
        const r = m.lossAndGrads(batch, { seed: 9 });
        const names = [...r.grads.keys()];
        expect(names).toEqual(loraTensors(loraModules(ir, ir.train.lora!), 2).map((t) => t.name));
        const grads = new Map([...r.grads].map(([n, g]) => [n, Float32Array.from(g.dataSync() as Float32Array)]));
        disposeGrads(r.grads);
        const baseLoad = evalAt().load;
        const eps = 1e-2;
        let checked = 0;
        let skipped = 0;
        let large = 0;
        // Two experts stand for all: each probe costs four forward+backward passes on cpu.
        for (const n of names.filter((x) => !/experts\.([2-9]|\d\d)\./.test(x))) {
          const v = m.variables.get(n)!;
          const data = Float32Array.from(v.dataSync() as Float32Array);
          const g = grads.get(n)!;
          for (const i of [Math.floor(data.length / 3), data.length - 1]) {
            const orig = data[i]!;
            const at = (x: number) => {
              data[i] = x;
              v.assign(tf.tensor(data, v.shape));
              return evalAt();
            };
            const fdAt = (h: number) => {
              const up = at(orig + h);
              const down = at(orig - h);
              return { fd: (up.loss - down.loss) / (2 * h), routed: up.load === baseLoad && down.load === baseLoad };
            };
            // A jump (a routing decision flipping within ±h) makes the quotient scale with 1/h:
            // not a gradient. Steps h and h/2 are tried first, then h/2 and h/4 (a flip between
            // h/2 and h); a pair that agrees is Richardson-extrapolated, (4·fd(h/2) − fd(h))/3,
            // which cancels the h² term of the central difference.
            const agree = (a: { fd: number; routed: boolean }, b: { fd: number; routed: boolean }) =>
              a.routed && b.routed && Math.abs(a.fd - b.fd) <= 5e-4 + 0.1 * Math.abs(a.fd);
            let coarse = fdAt(eps);
            let fine = fdAt(eps / 2);
            if (!agree(coarse, fine)) {
              coarse = fine;
              fine = fdAt(eps / 4);
            }
            at(orig);
            if (!agree(coarse, fine)) {
              skipped++;
              continue;
            }
            const fd = (4 * fine.fd - coarse.fd) / 3;
            expect(Math.abs(g[i]! - fd), `${n}[${i}] analytic ${g[i]} fd ${fd} (h/2: ${fine.fd})`).toBeLessThanOrEqual(5e-4 + 2e-2 * Math.abs(fd));
            if (Math.abs(fd) > 5e-3) large++;
            checked++;
          }
        }
        expect(checked / (checked + skipped)).toBeGreaterThanOrEqual(0.9);
        // The check is not vacuous: most probes see a gradient well above the tolerance floor.
        expect(large / checked).toBeGreaterThan(0.5);
      });
    }, 120_000);
  }

  it('recompute gives the same adapter gradients; base weights get none', async () => {
    await useBackend('cpu');
    const ir = withLora('mla-qlora-moe', ALL, { dropout: 0.1 });
    const adapters = trainedAdapters(ir);
    const batch = batchFor(ir.vocab);
    const run = (checkpointing: 'none' | 'full') =>
      withLoraModel(ir, adapters, (m) => {
        const r = m.lossAndGrads(batch, { seed: 4 });
        const out = new Map([...r.grads].map(([n, g]) => [n, Float32Array.from(g.dataSync() as Float32Array)]));
        disposeGrads(r.grads);
        return { loss: r.loss, grads: out };
      }, checkpointing);
    const stored = await run('none');
    const recomputed = await run('full');
    expect(recomputed.loss).toBeCloseTo(stored.loss, 6);
    expect([...recomputed.grads.keys()]).toEqual([...stored.grads.keys()]);
    for (const [n, g] of stored.grads) {
      expect(n).toMatch(/\.lora_[AB]\.weight$/);
      expect(maxRelDiff(g, recomputed.grads.get(n)!), n).toBeLessThan(1e-6);
    }
  });
});
