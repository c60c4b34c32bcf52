/**
 * `moec compile --adapter` (in process): a base run and a LoRA run of a narrow tiny spec
 * (hidden 32, no capacity limit so inference routing is the same everywhere), then
 * - ONNX with --weights base --adapter run: onnxruntime's logits equal the tfjs forward pass of
 *   base + unmerged adapter within 1e-5 (measured below 1e-6);
 * - ONNX with --adapter only (the base the run recorded) is the same model, byte for byte;
 * - tfjs Layers artifact with the adapter merged: predict() equals base + adapter within 1e-5;
 * - refusals: an adapter with a spec that has no train.lora block, a full-weights run as the
 *   adapter (MOE6605); another base warns (MOE6607);
 * - PEFT: the run leaves `adapter/` (adapter_config.json + adapter_model.safetensors) with PEFT's
 *   key names and [r, in] / [out, r] shapes for the qwen2_moe modules, a target_modules regex that
 *   matches exactly the adapted modules; reading it back gives the checkpoint's adapters bit for bit,
 *   and merging it gives the same logits as merging the moec checkpoint (exactly).
 */
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { readCheckpointWeights } from '../../src/checkpoint/index.js';
import { runCompile } from '../../src/cli/compile/run-compile.js';
import type { CompileOptions } from '../../src/cli/commands/compile.js';
import type { ModelIR } from '../../src/ir/types.js';
import { fileHandler } from '../../src/lower/tfjs/layers.js';
import { createLoraRuntime } from '../../src/lower/tfjs/lora.js';
import { createTfjsModel } from '../../src/lower/tfjs/model.js';
import { createVariables, disposeVariables } from '../../src/lower/tfjs/variables.js';
import { loadModel } from '../../src/pipeline.js';
import { readAdapterCheckpoint } from '../../src/train/adapter-checkpoint.js';
import { runTraining } from '../../src/train/loop.js';
import { runLogits } from '../lower/onnx/helpers.js';
import { openSafetensors } from '../../src/interop/safetensors/index.js';
import { readPeftAdapter } from '../../src/interop/peft/read-adapter.js';

const root = mkdtempSync(join(tmpdir(), 'moec-adapter-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const tinyText = readFileSync('specs/tiny.moe', 'utf8')
  .replace('hidden 64', 'hidden 32')
  .replace(/\n\s*capacity_factor 1\.5\n\s*overflow drop/, '')
  .replace('    batch 8\n    seq_len 64', '    batch 2\n    seq_len 16');
const LORA = '    lora 2 {\n      alpha 8\n      targets [attention, router, experts, shared]\n    }\n';
const baseSpec = join(root, 'base.moe');
const loraSpec = join(root, 'tuned.moe');
writeFileSync(baseSpec, tinyText);
writeFileSync(loraSpec, tinyText.replace('    checkpoint_every 50\n', `    checkpoint_every 50\n${LORA}`));
const irOf = (file: string): ModelIR => {
  const l = loadModel(file, { memoryFit: false });
  if (!l.ir) throw new Error(JSON.stringify(l.diagnostics));
  return l.ir;
};
const baseIR = irOf(baseSpec);
const loraIR = irOf(loraSpec);
const baseRun = join(root, 'base');
const loraRun = join(root, 'tuned');
const ids = [[...Buffer.from('It is a truth universally acknowl', 'utf8')].slice(0, 16), [...Buffer.from('edged, that a single man in poss', 'utf8')].slice(0, 16)];

const options = (o: Partial<CompileOptions>): CompileOptions => ({ target: 'onnx', moe: 'sparse', tritonKind: 'cpu', megatron: [], format: 'json', ...o });
async function compile(spec: string, o: Partial<CompileOptions>): Promise<{ code: number; doc: { ok: boolean; diagnostics: { code: string }[] } }> {
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((out += String(chunk)), true));
  try {
    const code = await runCompile(spec, options(o));
    return { code, doc: JSON.parse(out) };
  } finally {
    spy.mockRestore();
  }
}

let reference: Float32Array;
let baseOnly: Float32Array;
beforeAll(async () => {
  const common = { specFile: baseSpec, backend: 'wasm' as const, progress: 'silent' as const };
  expect((await runTraining({ ...common, ir: baseIR, outDir: baseRun, steps: 4 })).status).toBe('completed');
  const tuned = await runTraining({ ...common, specFile: loraSpec, ir: loraIR, outDir: loraRun, steps: 4, initFrom: baseRun });
  expect(tuned.status).toBe('completed');
  // The reference: tfjs forward on the base with the adapters unmerged.
  const vars = createVariables(loraIR, readCheckpointWeights(baseRun, baseIR).value!, { frozen: true });
  try {
    const lora = createLoraRuntime(loraIR, vars, readAdapterCheckpoint(loraRun, loraIR).value!.adapters);
    const input = tf.tensor2d(ids, [2, 16], 'int32');
    reference = createTfjsModel(loraIR, vars, { lora }).model.forward(input, { training: false }).logits.dataSync() as Float32Array;
    baseOnly = createTfjsModel(loraIR, vars).model.forward(input, { training: false }).logits.dataSync() as Float32Array;
    input.dispose();
  } finally {
    disposeVariables(vars);
  }
}, 120_000);

const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

describe('moec compile --adapter', () => {
  it('ONNX: merged logits equal base + adapter (1e-5), with or without --weights', async () => {
    const file = join(root, 'tuned.onnx');
    const r = await compile(loraSpec, { output: file, weights: baseRun, adapter: loraRun });
    expect(r.doc.diagnostics).toEqual([]);
    expect(r.code).toBe(0);
    const logits = await runLogits(readFileSync(file), ids);
    const d = maxDiff(logits, reference);
    console.log(`compile --adapter: ONNX vs tfjs base+adapter max |Δlogit| ${d.toExponential(2)}`);
    expect(d).toBeLessThanOrEqual(1e-5);
    // Not vacuous: the adapter moves the logits far more than the tolerance.
    expect(maxDiff(reference, baseOnly)).toBeGreaterThan(1e-3);
    // The adapter's recorded base gives the same model.
    const file2 = join(root, 'tuned-recorded.onnx');
    expect((await compile(loraSpec, { output: file2, adapter: loraRun })).code).toBe(0);
    expect(readFileSync(file2).equals(readFileSync(file))).toBe(true);
  }, 60_000);

  it('tfjs: the Layers artifact with the adapter merged predicts base + adapter (1e-5)', async () => {
    const dir = join(root, 'tuned-tfjs');
    const r = await compile(loraSpec, { target: 'tfjs', output: dir, adapter: loraRun });
    expect(r.code).toBe(0);
    const model = await tf.loadLayersModel(fileHandler(dir));
    const input = tf.tensor2d(ids, [2, 16], 'int32');
    const out = model.predict(input, { batchSize: 2 }) as tf.Tensor;
    expect(maxDiff(out.dataSync() as Float32Array, reference)).toBeLessThanOrEqual(1e-5);
    tf.dispose([input, out]);
    model.dispose();
  }, 60_000);

  it('refuses mismatches and warns about another base', async () => {
    const noLora = await compile(baseSpec, { output: join(root, 'x.onnx'), adapter: loraRun });
    expect(noLora.code).toBe(1);
    expect(noLora.doc.diagnostics.map((d) => d.code)).toEqual(['MOE6605']);
    const fullRun = await compile(loraSpec, { output: join(root, 'y.onnx'), adapter: baseRun });
    expect(fullRun.doc.diagnostics.map((d) => d.code)).toEqual(['MOE6605']);
    const same = await compile(loraSpec, { output: join(root, 'z.onnx'), adapter: loraRun, weights: join(baseRun, 'checkpoints', 'step-000004') });
    expect(same.doc.diagnostics).toEqual([]);
    const otherBase = join(root, 'other-base');
    await runTraining({ ir: baseIR, specFile: baseSpec, backend: 'wasm', progress: 'silent', outDir: otherBase, steps: 2 });
    const other = await compile(loraSpec, { output: join(root, 'z.onnx'), adapter: loraRun, weights: otherBase });
    expect(other.code).toBe(0);
    expect(other.doc.diagnostics.map((d) => d.code)).toEqual(['MOE6607']);
  }, 60_000);

  it('PEFT: writes the adapter as peft saves it, reads it back bit for bit, merges to the same logits', async () => {
    const dir = join(loraRun, 'adapter');
    const config = JSON.parse(readFileSync(join(dir, 'adapter_config.json'), 'utf8'));
    expect(config).toMatchObject({ peft_type: 'LORA', task_type: 'CAUSAL_LM', r: 2, lora_alpha: 8, bias: 'none', use_rslora: false, fan_in_fan_out: false });
    expect(config.base_model_name_or_path).toContain(join('base', 'checkpoints', 'step-000004'));
    const re = new RegExp(`^(?:${config.target_modules})$`);
    const adapted = ['model.layers.0.self_attn.q_proj', 'model.layers.1.self_attn.o_proj', 'model.layers.0.mlp.gate', 'model.layers.1.mlp.experts.3.down_proj', 'model.layers.0.mlp.shared_expert.up_proj'];
    const left = ['model.layers.0.mlp.shared_expert_gate', 'model.layers.0.input_layernorm', 'lm_head', 'model.embed_tokens', 'model.layers.2.self_attn.q_proj'];
    for (const m of adapted) expect(re.test(m), m).toBe(true);
    for (const m of left) expect(re.test(m), m).toBe(false);
    const file = openSafetensors(join(dir, 'adapter_model.safetensors')).value!;
    const a = file.get('base_model.model.model.layers.1.mlp.experts.3.down_proj.lora_A.weight')!;
    const b = file.get('base_model.model.model.layers.1.mlp.experts.3.down_proj.lora_B.weight')!;
    expect([a.dtype, a.shape, b.shape]).toEqual(['F32', [2, 128], [32, 2]]);
    expect(file.tensors.length).toBe(2 * 2 * (4 + 1 + 4 * 3 + 3));
    file.close();

    const back = readPeftAdapter(dir, loraIR, 'qwen2_moe').value!.adapters;
    const own = readAdapterCheckpoint(loraRun, loraIR).value!.adapters;
    expect([...back.keys()].sort()).toEqual([...own.keys()].sort());
    for (const [n, v] of own) expect(Buffer.from(back.get(n)!.buffer).equals(Buffer.from(v.buffer)), n).toBe(true);

    const viaPeft = join(root, 'via-peft.onnx');
    expect((await compile(loraSpec, { output: viaPeft, weights: baseRun, adapter: dir })).code).toBe(0);
    const viaMoec = join(root, 'via-moec.onnx');
    expect((await compile(loraSpec, { output: viaMoec, weights: baseRun, adapter: loraRun })).code).toBe(0);
    expect(await runLogits(readFileSync(viaPeft), ids)).toEqual(await runLogits(readFileSync(viaMoec), ids));
    const noBase = await compile(loraSpec, { output: join(root, 'w.onnx'), adapter: dir });
    expect(noBase.doc.diagnostics.map((d) => d.code)).toEqual(['MOE6605']);
  }, 60_000);
});
