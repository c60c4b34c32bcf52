/**
 * Resume is exact on the cpu backend: 4 steps straight vs 2 steps, stop, --resume, 2 steps.
 * Losses, gradient norms, expert loads, final weights and optimizer slots are compared
 * bit for bit. grad_accum 2 exercises accumulation; batch 2 × 16 tokens keeps cpu fast.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCheckpointWeights, readManifest, readOptimizerState, readTrainerState } from '../../src/checkpoint/index.js';
import { runTraining } from '../../src/train/loop.js';
import { readMetrics } from '../../src/train/metrics.js';
import { buildTinyIR } from './tiny-model.js';

const root = mkdtempSync(join(tmpdir(), 'moec-resume-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

// A narrower tiny (hidden 32, expert ffn 64) keeps the pure-JS cpu backend quick.
const ir = await buildTinyIR((s) => {
  Object.assign(s, { hidden: 32 });
  Object.assign(s.moe!.experts, { ffn: 64 });
  Object.assign(s.moe!.shared!, { ffn: 32 });
  Object.assign(s.train!, { batch: 2, seq_len: 16, grad_accum: 2, checkpoint_every: 2 });
});
const common = { ir, specFile: 'specs/tiny.moe', backend: 'cpu' as const, progress: 'silent' as const, steps: 4 };
const bits = (a: Float32Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

describe('resume on the cpu backend', () => {
  it('reproduces the uninterrupted run bit for bit', async () => {
    const straightDir = join(root, 'straight');
    const straight = await runTraining({ ...common, outDir: straightDir });
    expect(straight.status).toBe('completed');

    const splitDir = join(root, 'split');
    const stop = new AbortController();
    const first = await runTraining({ ...common, outDir: splitDir, signal: stop.signal, onStep: (m) => m.step === 2 && stop.abort() });
    expect(first.status).toBe('interrupted');
    expect(first.lastCheckpoint).toBe(2);
    const state = readTrainerState<{ step: number; data: { cursor: number } }>(readManifest(splitDir).value!.dir).value!;
    expect(state.step).toBe(2);
    expect(state.data.cursor).toBe(2 * 2); // two steps of 2 sequences drawn
    // The tokenizer the weights learned (byte-level here), checked again at export (MOE6552).
    expect(readManifest(splitDir).value!.manifest.tokenizer).toBe('bytes');

    const second = await runTraining({ ...common, outDir: splitDir, resume: true, steps: undefined });
    expect(second.status).toBe('completed');
    expect(second.diagnostics.filter((d) => d.severity !== 'info')).toEqual([]);

    expect([...first.losses, ...second.losses]).toEqual(straight.losses);
    const a = readMetrics(join(straightDir, 'metrics.jsonl'));
    const b = readMetrics(join(splitDir, 'metrics.jsonl'));
    const exact = (m: (typeof a)[number]) => [m.step, m.loss, m.ce, m.aux_loss, m.lr, m.grad_norm, m.tokens, m.expert_load];
    expect(b.map(exact)).toEqual(a.map(exact));

    const wa = readCheckpointWeights(straightDir, ir).value!;
    const wb = readCheckpointWeights(splitDir, ir).value!;
    for (const [name, v] of wa) expect(bits(wb.get(name)!), name).toEqual(bits(v));
    const oa = readOptimizerState(readManifest(straightDir).value!.dir).value!;
    const ob = readOptimizerState(readManifest(splitDir).value!.dir).value!;
    expect(ob.step).toBe(4);
    expect(ob.scalars).toEqual(oa.scalars);
    for (const [name, v] of oa.tensors) expect(bits(ob.tensors.get(name)!), name).toEqual(bits(v));
  });

  it('resumes with other training settings (same architecture), warning that the run changed', async () => {
    const dir = join(root, 'changed');
    const stop = new AbortController();
    await runTraining({ ...common, outDir: dir, signal: stop.signal, onStep: (m) => m.step === 2 && stop.abort() });
    const lower = await buildTinyIR((s) => {
      Object.assign(s, { hidden: 32 });
      Object.assign(s.moe!.experts, { ffn: 64 });
      Object.assign(s.moe!.shared!, { ffn: 32 });
      Object.assign(s.train!, { batch: 2, seq_len: 16, grad_accum: 2, checkpoint_every: 2 });
      s.train!.optimizer!.lr = 1e-3;
    });
    expect(lower.architectureHash).toBe(ir.architectureHash);
    const resumed = await runTraining({ ...common, ir: lower, outDir: dir, resume: true, steps: undefined });
    expect(resumed.status).toBe('completed');
    expect(resumed.diagnostics.map((d) => d.code)).toContain('MOE6551');

    const wider = await buildTinyIR((s) => {
      Object.assign(s, { hidden: 32 });
      Object.assign(s.moe!.experts, { ffn: 96 });
      Object.assign(s.moe!.shared!, { ffn: 32 });
    });
    const refused = await runTraining({ ...common, ir: wider, outDir: dir, resume: true, steps: 6 });
    expect(refused.diagnostics.map((d) => d.code)).toContain('MOE6504');
  });
});
