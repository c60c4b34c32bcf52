import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  readCheckpointWeights,
  readManifest,
  readOptimizerState,
  readTrainerState,
  writeCheckpoint,
  type NamedTensor,
} from '../../src/checkpoint/index.js';
import type { ModelIR } from '../../src/ir/types.js';
import { describeArchitecture } from '../../src/ir/architecture.js';
import { buildTinyIR } from '../train/tiny-model.js';

const dirs: string[] = [];
function tempRun(): string {
  const d = mkdtempSync(join(tmpdir(), 'moec-ckpt-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function weightsFor(ir: ModelIR, seed: number): NamedTensor[] {
  return ir.tensors.map((t, i) => {
    const n = t.shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    for (let j = 0; j < n; j++) data[j] = Math.sin(seed + i * 1000 + j);
    return { name: t.name, shape: t.shape, data };
  });
}

const ir = await buildTinyIR();

describe('checkpoint round trip', () => {

  it('writes and reads weights, optimizer state and trainer state bit-exactly', () => {
    const run = tempRun();
    const weights = weightsFor(ir, 1);
    const m = weightsFor(ir, 2).map((t) => ({ ...t, name: `m/${t.name}` }));
    const r = writeCheckpoint(run, {
      step: 20,
      specHash: ir.specHash,
      weights,
      optimizer: { kind: 'adamw', hyper: { lr: 0.003 }, step: 20, scalars: { beta1Power: 0.5 }, slots: ['m'], tensors: m },
      state: { step: 20, data: { cursor: 7 } },
      shardBytes: 64 * 1024, // force several shards
    });
    expect(r.diagnostics).toEqual([]);
    expect(readFileSync(join(run, 'latest'), 'utf8').trim()).toBe('checkpoints/step-000020');
    const manifest = readManifest(run).value!.manifest;
    expect(manifest.shards.length).toBeGreaterThan(1);
    for (const s of manifest.shards) expect(s.bytes).toBeLessThanOrEqual(64 * 1024);

    const back = readCheckpointWeights(run, ir);
    expect(back.diagnostics).toEqual([]);
    expect([...back.value!.keys()]).toEqual(ir.tensors.map((t) => t.name));
    for (const w of weights) expect(Buffer.from(back.value!.get(w.name)!.buffer)).toEqual(Buffer.from(w.data.buffer));

    const opt = readOptimizerState(r.value!);
    expect(opt.value!.scalars).toEqual({ beta1Power: 0.5 });
    expect(opt.value!.tensors.get(m[3]!.name)).toEqual(m[3]!.data);
    expect(readTrainerState(r.value!).value).toEqual({ step: 20, data: { cursor: 7 } });
  });

  it('follows latest to the newest checkpoint and reads a checkpoint dir directly', () => {
    const run = tempRun();
    writeCheckpoint(run, { step: 1, specHash: ir.specHash, weights: weightsFor(ir, 1), state: {} });
    writeCheckpoint(run, { step: 2, specHash: ir.specHash, weights: weightsFor(ir, 2), state: {} });
    const name = ir.tensors[0]!.name;
    expect(readCheckpointWeights(run, ir).value!.get(name)).toEqual(weightsFor(ir, 2)[0]!.data);
    const old = readCheckpointWeights(join(run, 'checkpoints', 'step-000001'), ir);
    expect(old.value!.get(name)).toEqual(weightsFor(ir, 1)[0]!.data);
  });

  it('keeps only the newest checkpoints when asked', () => {
    const run = tempRun();
    for (let s = 1; s <= 4; s++) writeCheckpoint(run, { step: s, specHash: ir.specHash, weights: weightsFor(ir, s), state: {}, keep: 2 });
    expect(readdirSync(join(run, 'checkpoints')).sort()).toEqual(['step-000003', 'step-000004']);
  });

  it('matches by architecture: other training, quantization, layout and name are accepted', async () => {
    const run = tempRun();
    const architecture = { hash: ir.architectureHash, description: describeArchitecture(ir) };
    writeCheckpoint(run, { step: 1, specHash: ir.specHash, architecture, weights: weightsFor(ir, 1), state: {} });
    const other = await buildTinyIR((s) => {
      s.name = 'renamed';
      s.train!.seed = 99;
      s.train!.steps = 5000;
      s.quantize = { default: { dtype: 'int4', block: 32 } };
      s.parallel = { data: 2, expert: 2 };
      s.moe!.router.aux_loss = 0.5;
      s.moe!.router.capacity_factor = 2;
    });
    expect(other.specHash).not.toBe(ir.specHash);
    expect(other.architectureHash).toBe(ir.architectureHash);
    const r = readCheckpointWeights(run, other);
    expect(r.diagnostics).toEqual([]);
    expect(r.value!.get(ir.tensors[0]!.name)).toEqual(weightsFor(ir, 1)[0]!.data);
  });

  it('refuses another architecture, naming the first differing field or tensor', async () => {
    const run = tempRun();
    const architecture = { hash: ir.architectureHash, description: describeArchitecture(ir) };
    writeCheckpoint(run, { step: 1, specHash: ir.specHash, architecture, weights: weightsFor(ir, 1), state: {} });
    const theta = await buildTinyIR((s) => {
      s.attention.rope = { ...s.attention.rope, theta: 500000 };
    });
    const r = readCheckpointWeights(run, theta);
    expect(r.value).toBeUndefined();
    expect(r.diagnostics.map((d) => d.code)).toEqual(['MOE6550']);
    expect(r.diagnostics[0]!.message).toContain('`layers[0].attention.rope.theta` is 10000 in the checkpoint, 500000 in this spec');

    const wider = await buildTinyIR((s) => {
      s.moe!.experts.ffn = 256;
    });
    const w = readCheckpointWeights(run, wider);
    expect(w.diagnostics[0]!.code).toBe('MOE6504');
    expect(w.diagnostics[0]!.message).toBe('`layers.0.moe.experts.0.gate_proj.weight` is [64, 128] in the checkpoint, [64, 256] in this spec');
  });

  it('matches a checkpoint without an architecture record (older moec) by its whole spec hash', async () => {
    const run = tempRun();
    writeCheckpoint(run, { step: 1, specHash: ir.specHash, weights: weightsFor(ir, 1), state: {} });
    expect(readCheckpointWeights(run, ir).diagnostics).toEqual([]);
    const other = await buildTinyIR((s) => {
      s.train!.seed = 99;
    });
    const r = readCheckpointWeights(run, other);
    expect(r.value).toBeUndefined();
    expect(r.diagnostics.map((d) => d.code)).toEqual(['MOE6502']);
  });

  it('reports missing tensors, wrong shapes and damaged shards', () => {
    const run = tempRun();
    const weights = weightsFor(ir, 1);
    const partial = weights.slice(1);
    partial[1] = { ...partial[1]!, shape: [partial[1]!.data.length] }; // a matrix stored flat
    writeCheckpoint(run, { step: 1, specHash: ir.specHash, weights: partial, state: {} });
    const r = readCheckpointWeights(run, ir);
    expect(r.diagnostics.map((d) => d.code)).toEqual(['MOE6503', 'MOE6504']);

    const run2 = tempRun();
    const dir = writeCheckpoint(run2, { step: 1, specHash: ir.specHash, weights, state: {} }).value!;
    const shard = join(dir, 'weights-00000.bin');
    const bytes = readFileSync(shard);
    bytes[100] = bytes[100]! ^ 0xff;
    writeFileSync(shard, bytes);
    expect(readCheckpointWeights(run2, ir).diagnostics.map((d) => d.code)).toEqual(['MOE6505']);
  });

  it('reports a run with no checkpoint and a directory that is not one', () => {
    const run = tempRun();
    expect(readCheckpointWeights(run, ir).diagnostics.map((d) => d.code)).toEqual(['MOE6500']);
    writeFileSync(join(run, 'manifest.json'), '{"format":"other"}');
    expect(readCheckpointWeights(run, ir).diagnostics.map((d) => d.code)).toEqual(['MOE6501']);
    expect(readCheckpointWeights(join(run, 'nope'), ir).diagnostics.map((d) => d.code)).toEqual(['MOE6500']);
  });

  it('leaves the previous checkpoint intact when a write is abandoned half way', () => {
    const run = tempRun();
    writeCheckpoint(run, { step: 1, specHash: ir.specHash, weights: weightsFor(ir, 1), state: {} });
    // A writer killed mid-checkpoint leaves a temp dir behind; latest still names step 1.
    const tmp = join(run, 'checkpoints', '.tmp-step-000002-1');
    mkdirSync(tmp);
    writeFileSync(join(tmp, 'weights-00000.bin'), 'partial');
    expect(readManifest(run).value!.manifest.step).toBe(1);
    writeCheckpoint(run, { step: 2, specHash: ir.specHash, weights: weightsFor(ir, 2), state: {} });
    expect(existsSync(tmp)).toBe(false);
    expect(readManifest(run).value!.manifest.step).toBe(2);
  });
});
