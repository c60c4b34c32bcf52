/**
 * Issue 11's done-when flow on a real Hugging Face model directory: the golden fixture
 * test/fixtures/hf/mixtral-instruct-tokenizer (a Mixtral checkpoint whose logits transformers'
 * modeling code computed, with its own Llama 2 SentencePiece tokenizer and chat template) goes
 * through `moec import`, then `moec train --init-from <hf dir> --tokenizer <hf dir> --lora …` with
 * LoRA on attention and every expert, on chat records with a held-out split (wasm, the CLI in
 * process; the imported spec gets only a train block with the step's settings):
 * - the held-out eval_loss falls far beyond noise (measured below);
 * - the run records the HF base (model_type, fingerprint) and leaves a PEFT adapter for Mixtral's
 *   modules (`block_sparse_moe.experts.{e}.w1/w3/w2`), whose target_modules regex names exactly
 *   them; save → load gives the checkpoint's adapters bit for bit, so identical logits;
 * - the ONNX models merged from the PEFT adapter (--weights <hf dir>) and from the run (the base
 *   it recorded), and the Hugging Face directory `moec export hf --adapter` writes, give the
 *   logits of the HF base + unmerged adapter in tfjs within 1e-5;
 * - full fine-tuning (no LoRA) starts from the checkpoint's weights;
 * - resuming after the HF base changed is refused (MOE6606), and resuming without the run's
 *   LoRA settings names the --lora flags that restate them (MOE6605).
 */
import * as tf from '@tensorflow/tfjs';
import { cpSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { readCheckpointWeights, readTrainerState } from '../../src/checkpoint/index.js';
import { runCompile } from '../../src/cli/compile/run-compile.js';
import type { CompileOptions } from '../../src/cli/commands/compile.js';
import { main } from '../../src/cli/main.js';
import { parseLoraOption } from '../../src/spec/lora-option.js';
import type { ModelIR } from '../../src/ir/types.js';
import { peftTarget } from '../../src/interop/peft/peft-modules.js';
import { readPeftAdapter } from '../../src/interop/peft/read-adapter.js';
import { openSafetensors } from '../../src/interop/safetensors/index.js';
import { createLoraRuntime } from '../../src/lower/tfjs/lora.js';
import { createTfjsModel } from '../../src/lower/tfjs/model.js';
import { createVariables, disposeVariables } from '../../src/lower/tfjs/variables.js';
import { loadModel } from '../../src/pipeline.js';
import { readAdapterCheckpoint } from '../../src/train/adapter-checkpoint.js';
import type { BaseSource } from '../../src/train/base-weights.js';
import { runTraining } from '../../src/train/loop.js';
import { readMetrics } from '../../src/train/metrics.js';
import { loadTokenizer } from '../../src/train/tokenizer.js';
import { readModelWeights } from '../../src/weights/read-model-weights.js';
import { runLogits } from '../lower/onnx/helpers.js';

const FIXTURE = 'test/fixtures/hf/mixtral-instruct-tokenizer';
const root = mkdtempSync(join(tmpdir(), 'moec-finetune-hf-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const TRAIN = `  train {
    optimizer adamw {
      lr 1e-2
      weight_decay 0
    }
    schedule constant {
    }
    batch 4
    seq_len 48
    steps 16
    seed 7
    checkpoint_every 8
  }
`;
const LORA = ['rank=4', 'alpha=8', 'targets=attention,experts'];
const loraFlags = LORA.flatMap((p) => ['--lora', p]);

/** Chat records in the tokenizer's vocabulary: varied questions, answers "The company was founded in 20XY." */
function chatRecords(n: number): string {
  const asks = ['How are you doing?', 'Hello World', 'How are you?', 'The company?'];
  const digits = ['0', '1', '2', '6'];
  return Array.from({ length: n }, (_, i) => {
    const answer = `The company was founded in 20${digits[(i * 7) % 4]}${digits[(i * 3 + 1) % 4]}.`;
    return JSON.stringify({ messages: [{ role: 'user', content: asks[i % asks.length] }, { role: 'assistant', content: answer }] });
  }).join('\n');
}

const spec = join(root, 'mixtral.moe');
const run = join(root, 'tuned');
const data = join(root, 'chat.jsonl');
let ir: ModelIR;
let evals: number[];
/** What `moec train` printed on stderr: the run line, and any diagnostics. */
let diagnostics: string;

const moec = (...args: string[]) => main(['node', 'moec', ...args]);

async function silently<T>(f: () => Promise<T>): Promise<{ value: T; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => ((out += String(c)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => ((err += String(c)), true));
  try {
    return { value: await f(), out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

beforeAll(async () => {
  expect((await silently(() => moec('import', FIXTURE, '-o', spec))).value).toBe(0);
  writeFileSync(spec, readFileSync(spec, 'utf8').replace(/\}\s*$/, `${TRAIN}}\n`));
  const loaded = loadModel(spec, { memoryFit: false, targets: ['tfjs'], lora: parseLoraOption(LORA) });
  expect(loaded.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  ir = loaded.ir!;
  writeFileSync(data, chatRecords(64));
  const args = ['train', spec, '--init-from', FIXTURE, '--tokenizer', FIXTURE, ...loraFlags, '--data', data, '--eval-split', '0.25', '--eval-every', '4', '--backend', 'wasm', '--progress', 'none', '-o', run];
  const trained = await silently(() => moec(...args));
  expect(trained.value, trained.err).toBe(0);
  diagnostics = trained.err;
  evals = readMetrics(join(run, 'metrics.jsonl')).flatMap((m) => (m.eval_loss !== undefined ? [m.eval_loss] : []));
}, 120_000);

const options = (o: Partial<CompileOptions>): CompileOptions => ({ target: 'onnx', moe: 'sparse', tritonKind: 'cpu', megatron: [], format: 'json', ...o });

/** tfjs logits of the HF base with the adapters unmerged. */
function baseWithAdapter(adapters: Map<string, Float32Array>, rows: number[][]): Float32Array {
  const base = readModelWeights(FIXTURE, ir).value!;
  const vars = createVariables(ir, base.weights, { frozen: true });
  base.close();
  try {
    const lora = createLoraRuntime(ir, vars, adapters);
    const input = tf.tensor2d(rows, [rows.length, rows[0]!.length], 'int32');
    const { logits } = createTfjsModel(ir, vars, { lora }).model.forward(input, { training: false });
    const out = logits.dataSync() as Float32Array;
    tf.dispose([input, logits]);
    return out;
  } finally {
    disposeVariables(vars);
  }
}

const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

describe('fine-tuning an imported Hugging Face MoE with LoRA', () => {
  it('trains from the HF checkpoint with its tokenizer: held-out eval_loss falls clearly', () => {
    expect(diagnostics).not.toMatch(/(error|warning) MOE/);
    expect(diagnostics).toMatch(/LoRA rank 4 on 32 projections: [\d,]+ trainable parameters .* from the Hugging Face mixtral checkpoint /);
    console.log(`finetune-hf: eval_loss ${evals.map((e) => e.toFixed(3)).join(' → ')}`);
    expect(evals).toHaveLength(4);
    // Far beyond step-to-step noise: the adapters learn the answers' format.
    expect(evals[0]! - evals[3]!).toBeGreaterThan(0.5);
    for (let i = 1; i < evals.length; i++) expect(evals[i]!).toBeLessThan(evals[i - 1]!);
    const base = readTrainerState<{ base: BaseSource }>(join(run, 'checkpoints', 'step-000016')).value!.base;
    expect(base).toMatchObject({ kind: 'hf', path: resolve(FIXTURE), modelType: 'mixtral' });
  });

  it('leaves a PEFT adapter for Mixtral\'s modules that loads back bit for bit (identical logits)', () => {
    const dir = join(run, 'adapter');
    const config = JSON.parse(readFileSync(join(dir, 'adapter_config.json'), 'utf8'));
    expect(config).toMatchObject({ peft_type: 'LORA', r: 4, lora_alpha: 8, base_model_name_or_path: resolve(FIXTURE) });
    const re = new RegExp(`^(?:${config.target_modules})$`);
    for (const m of ['model.layers.0.self_attn.q_proj', 'model.layers.1.block_sparse_moe.experts.3.w2', 'model.layers.0.block_sparse_moe.experts.0.w1']) expect(re.test(m), m).toBe(true);
    for (const m of ['model.layers.0.block_sparse_moe.gate', 'lm_head', 'model.layers.0.input_layernorm']) expect(re.test(m), m).toBe(false);
    const file = openSafetensors(join(dir, 'adapter_model.safetensors')).value!;
    expect(file.get('base_model.model.model.layers.1.block_sparse_moe.experts.3.w3.lora_B.weight')!.shape).toEqual([32, 4]);
    expect(file.tensors.length).toBe(2 * 2 * (4 + 4 * 3));
    file.close();

    const own = readAdapterCheckpoint(run, ir).value!.adapters;
    const back = readPeftAdapter(dir, ir, peftTarget(ir, FIXTURE).value!).value!.adapters;
    expect([...back.keys()].sort()).toEqual([...own.keys()].sort());
    for (const [n, v] of own) expect(Buffer.from(back.get(n)!.buffer).equals(Buffer.from(v.buffer)), n).toBe(true);
    const rows = [[1, 5, 9, 300, 352, 12]];
    expect(baseWithAdapter(back, rows)).toEqual(baseWithAdapter(own, rows));
  });

  it('merged ONNX models give the logits of base + adapter (1e-5)', async () => {
    const tok = loadTokenizer(FIXTURE).value!;
    const rows = ['How are you doing? The company was founded in 2016.', 'Hello World. The company was founded in 2012.'].map((t) => tok.encode(t, { special: true }));
    const len = Math.min(...rows.map((r) => r.length));
    const ids = rows.map((r) => r.slice(0, len));
    const reference = baseWithAdapter(readAdapterCheckpoint(run, ir).value!.adapters, ids);
    const plain = readModelWeights(FIXTURE, ir).value!;
    const vars = createVariables(ir, plain.weights);
    plain.close();
    const input = tf.tensor2d(ids, [2, len], 'int32');
    const baseOnly = createTfjsModel(ir, vars).model.forward(input, { training: false }).logits.dataSync() as Float32Array;
    input.dispose();
    disposeVariables(vars);
    for (const [name, o] of [['via-peft', { weights: FIXTURE, adapter: join(run, 'adapter') }], ['via-run', { adapter: run }]] as const) {
      const file = join(root, `${name}.onnx`);
      const { value: code, out } = await silently(() => runCompile(spec, options({ output: file, lora: LORA, ...o })));
      expect(JSON.parse(out).diagnostics, name).toEqual([]);
      expect(code, name).toBe(0);
      const d = maxDiff(await runLogits(readFileSync(file), ids), reference);
      console.log(`finetune-hf: ${name} ONNX vs tfjs base + adapter max |Δlogit| ${d.toExponential(2)}`);
      expect(d).toBeLessThanOrEqual(1e-5);
    }
    // The Hugging Face directory with the adapter merged, read back as any HF checkpoint.
    const hfOut = join(root, 'tuned-hf');
    expect((await silently(() => moec('export', 'hf', spec, '--weights', FIXTURE, '--adapter', join(run, 'adapter'), ...loraFlags, '-o', hfOut))).value).toBe(0);
    const exported = readModelWeights(hfOut, ir).value!;
    const v = createVariables(ir, exported.weights);
    exported.close();
    const x = tf.tensor2d(ids, [2, len], 'int32');
    const viaHf = createTfjsModel(ir, v).model.forward(x, { training: false }).logits.dataSync() as Float32Array;
    x.dispose();
    disposeVariables(v);
    console.log(`finetune-hf: export hf --adapter vs base + adapter max |Δlogit| ${maxDiff(viaHf, reference).toExponential(2)}`);
    expect(maxDiff(viaHf, reference)).toBeLessThanOrEqual(1e-5);
    // Not vacuous: the adapter moves the logits far more than the tolerance.
    expect(maxDiff(reference, baseOnly)).toBeGreaterThan(1e-2);
  }, 60_000);

  it('names the --lora flags when a LoRA run is resumed without its settings (MOE6605)', async () => {
    const r = await silently(() => moec('train', '--resume', run, spec, '--backend', 'wasm', '--progress', 'none', '--steps', '20'));
    expect(r.value).toBe(1);
    expect(r.err).toContain('error MOE6605');
    expect(r.err).toContain('--lora rank=4 --lora alpha=8 --lora targets=attention,experts --lora layers=0,1');
  });

  it('full fine-tuning starts from the HF weights (no LoRA: every weight trains)', async () => {
    const full = loadModel(spec, { memoryFit: false, targets: ['tfjs'] }).ir!;
    const out = join(root, 'full');
    const r = await runTraining({ ir: full, specFile: spec, outDir: out, backend: 'wasm', progress: 'silent', data: [data], initFrom: FIXTURE, tokenizer: FIXTURE, steps: 1 });
    expect(r.status).toBe('completed');
    const trained = readCheckpointWeights(out, full).value!;
    const base = readModelWeights(FIXTURE, full).value!;
    let moved = 0;
    for (const t of full.tensors) {
      const [a, b] = [trained.get(t.name)!, base.weights.get(t.name)!];
      for (let i = 0; i < a.length; i++) moved = Math.max(moved, Math.abs(a[i]! - b[i]!));
    }
    base.close();
    // One AdamW step moves a weight by at most about lr (1e-2): the run began at the checkpoint.
    expect(moved).toBeGreaterThan(0);
    expect(moved).toBeLessThan(1.5e-2);
    expect(readTrainerState<{ base: BaseSource }>(join(out, 'checkpoints', 'step-000001')).value!.base).toMatchObject({ kind: 'hf', modelType: 'mixtral' });
  }, 60_000);

  it('refuses to resume on a changed HF base (MOE6606)', async () => {
    const copy = join(root, 'base-copy');
    cpSync(FIXTURE, copy, { recursive: true });
    const short = join(root, 'short');
    const first = await runTraining({ ir, specFile: spec, outDir: short, backend: 'wasm', progress: 'silent', data: [data], initFrom: copy, tokenizer: FIXTURE, steps: 2 });
    expect(first.status).toBe('completed');
    const later = new Date(Date.now() + 60_000);
    utimesSync(join(copy, 'model.safetensors'), later, later);
    const resumed = await runTraining({ ir, specFile: spec, outDir: short, backend: 'wasm', progress: 'silent', data: [data], tokenizer: FIXTURE, resume: true, steps: 4 });
    expect(resumed.status).toBe('failed');
    expect(resumed.diagnostics.map((d) => d.code)).toContain('MOE6606');
  }, 60_000);
});
