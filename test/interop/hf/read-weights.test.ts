/**
 * The HF checkpoint reader (`--weights <hf dir>`) on broken checkpoints: every problem is a
 * diagnostic naming the tensor or field, all reported together, before a weight is read — a
 * missing tensor (MOE7100), a misshapen one (MOE7101), tensors the spec has no place for
 * (MOE7102), a quantization it cannot read (MOE7103), a config of another model (MOE7105), a
 * directory that is not a checkpoint (MOE7106). Reading is lazy: nothing is read until `get`.
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { importConfig } from '../../../src/interop/hf/import-config.js';
import { readHfWeights } from '../../../src/interop/hf/weights/read-hf-weights.js';
import { CheckpointReader } from '../../../src/interop/safetensors/checkpoint-reader.js';
import { openCheckpoint } from '../../../src/interop/safetensors/open-checkpoint.js';
import { writeCheckpointDir } from '../../../src/interop/safetensors/write-checkpoint-dir.js';
import type { TensorToWrite } from '../../../src/interop/safetensors/write-safetensors.js';
import { loadModel } from '../../../src/pipeline.js';
import { readModelWeights } from '../../../src/weights/read-model-weights.js';

const tmp = mkdtempSync(join(tmpdir(), 'moec-hf-read-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const FIXTURE = 'test/fixtures/hf/mixtral-gqa';
const ir = importConfig(FIXTURE).value!.ir;

/** A copy of the fixture whose tensors went through `edit` (name → tensor, or undefined to drop). */
function variant(name: string, edit: (t: TensorToWrite) => TensorToWrite | TensorToWrite[] | undefined, config?: (c: Record<string, unknown>) => void): string {
  const dir = join(tmp, name);
  const src = openCheckpoint(FIXTURE).value!;
  const tensors = src.tensors.flatMap((t) => edit({ name: t.name, dtype: t.dtype, shape: t.shape, data: src.readRaw(t.name).value! }) ?? []);
  expect(writeCheckpointDir(dir, tensors).value).toBeDefined();
  const c = JSON.parse(readFileSync(join(FIXTURE, 'config.json'), 'utf8'));
  config?.(c);
  writeFileSync(join(dir, 'config.json'), JSON.stringify(c));
  return dir;
}

const codes = (dir: string) => readHfWeights(dir, ir).diagnostics.map((d) => `${d.code} ${d.message}`);

describe('reading a Hugging Face checkpoint', () => {
  it('names a missing tensor by its checkpoint key and the IR tensor it feeds', () => {
    const dir = variant('missing', (t) => (t.name === 'model.layers.1.block_sparse_moe.experts.2.w3.weight' ? undefined : t));
    expect(codes(dir)).toEqual([expect.stringMatching(/^MOE7100 .*no `model\.layers\.1\.block_sparse_moe\.experts\.2\.w3\.weight`, needed for `layers\.1\.moe\.experts\.2\.up_proj\.weight` \[32, 32\]/)]);
  });

  it('names a misshapen tensor with both shapes, and reports every problem at once', () => {
    const dir = variant('misshapen', (t) => {
      if (t.name === 'model.layers.0.self_attn.k_proj.weight') return { ...t, shape: [32, 16] };
      if (t.name === 'model.norm.weight') return undefined;
      return t;
    });
    const found = codes(dir);
    expect(found).toHaveLength(2);
    expect(found[0]).toMatch(/^MOE7101 `model\.layers\.0\.self_attn\.k_proj\.weight` .* has shape \[32, 16\]; the spec needs \[16, 32\] for `layers\.0\.attn\.k_proj\.weight`/);
    expect(found[1]).toMatch(/^MOE7100 .*`model\.norm\.weight`/);
  });

  it('refuses tensors the spec has no place for (a bias the spec lacks would change the function)', () => {
    const dir = variant('extra', (t) => (t.name === 'model.layers.0.self_attn.q_proj.weight' ? [t, { name: 'model.layers.0.self_attn.q_proj.bias', dtype: 'F32', shape: [32], data: new Float32Array(32) }] : t));
    expect(codes(dir)).toEqual([expect.stringMatching(/^MOE7102 .*1 tensor\(s\) the spec has no place for, first `model\.layers\.0\.self_attn\.q_proj\.bias`/)]);
  });

  it('refuses a config of another model, naming the first field that differs', () => {
    const dir = variant('other-model', (t) => t, (c) => (c.num_experts_per_tok = 1));
    expect(codes(dir)).toEqual([expect.stringMatching(/^MOE7105 .*layers\[0\]\.ffn\.router\.topK 1, the spec 2/)]);
  });

  it('refuses quantization it cannot read, and FP8 weights without their scales', () => {
    const gptq = variant('gptq', (t) => t, (c) => (c.quantization_config = { quant_method: 'gptq', bits: 4 }));
    expect(codes(gptq)).toEqual([expect.stringMatching(/^MOE7103 .*quant_method "gptq"/)]);
    const fp8 = variant('fp8-no-scale', (t) => (t.name === 'lm_head.weight' ? { ...t, dtype: 'F8_E4M3', data: new Uint8Array(96 * 32) } : t), (c) => (c.quantization_config = { quant_method: 'fp8', weight_block_size: [128, 128] }));
    expect(codes(fp8)).toEqual([expect.stringMatching(/^MOE7103 .*`lm_head\.weight` \(F8_E4M3\).*weight_scale_inv/)]);
  });

  it('reads lazily: nothing until get, then one tensor per get', () => {
    // Linears are read in chunks of rows (8 MiB each): a small one is one read.
    const spy = vi.spyOn(CheckpointReader.prototype, 'readFloat32Range');
    const w = readHfWeights(FIXTURE, ir).value!.weights;
    expect(spy).not.toHaveBeenCalled();
    w.get('layers.0.attn.q_proj.weight');
    expect(spy).toHaveBeenCalledTimes(1);
    expect(spy.mock.calls[0]![0]).toBe('model.layers.0.self_attn.q_proj.weight');
    spy.mockRestore();
    w.close();
  });

  it('gpt-oss: an expert\'s gate_up_proj slice is read (and MXFP4-dequantized) once, though its bias slice is read between gate and up', () => {
    const dir = 'test/fixtures/hf/gpt-oss-mxfp4-defaults';
    const oss = importConfig(dir).value!.ir;
    const spy = vi.spyOn(CheckpointReader.prototype, 'readRawRange');
    const w = readHfWeights(dir, oss).value!.weights;
    // The sparse dispatch's order (readOrder): up, its bias, gate, its bias, down, its bias.
    for (const n of ['up_proj.weight', 'up_proj.bias', 'gate_proj.weight', 'gate_proj.bias', 'down_proj.weight', 'down_proj.bias']) w.get(`layers.0.moe.experts.1.${n}`);
    const reads = spy.mock.calls.map((c) => c[0]).filter((k) => k.endsWith('gate_up_proj_blocks'));
    spy.mockRestore();
    w.close();
    expect(reads).toEqual(['model.layers.0.mlp.experts.gate_up_proj_blocks']);
  });

  it('readModelWeights tells moec runs from HF directories and says what a weights directory is', () => {
    const hf = readModelWeights(FIXTURE, ir);
    expect(hf.value?.kind).toBe('hf');
    expect(hf.value?.from).toMatch(/^Hugging Face mixtral checkpoint \(F32\) at /);
    hf.value!.close();
    const configOnly = join(tmp, 'config-only');
    cpSync(join(FIXTURE, 'config.json'), join(configOnly, 'config.json'), { recursive: true });
    expect(readModelWeights(configOnly, ir).diagnostics.map((d) => d.code)).toEqual(['MOE7106']);
    const tiny = loadModel('specs/tiny.moe').ir!;
    expect(readModelWeights(FIXTURE, tiny).diagnostics.map((d) => d.code)).toEqual(['MOE7105']);
    expect(readModelWeights(join(tmp, 'nothing-here'), ir).diagnostics.map((d) => d.code)).toEqual(['MOE6500']);
  });
});

describe('hfCheckpointFingerprint', () => {
  it('is stable for the same directory and changes when a tensor does', async () => {
    const { hfCheckpointFingerprint } = await import('../../../src/interop/hf/weights/fingerprint.js');
    const a = hfCheckpointFingerprint(FIXTURE).value!;
    expect(hfCheckpointFingerprint(FIXTURE).value).toBe(a);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    const other = variant('fingerprint', (t) => (t.name === 'model.norm.weight' ? { ...t, shape: [1, 32] } : t));
    expect(hfCheckpointFingerprint(other).value).not.toBe(a);
  });
});
