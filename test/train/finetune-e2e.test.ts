/**
 * Issue 11's done-when flow in one run (wasm): a small MoE base (until the HF bridge imports one,
 * a moec base run — swap `--init-from` for the imported checkpoint when it lands) is fine-tuned
 * with LoRA on experts and attention, with its own tokenizer (Llama 2 fixture) on chat records
 * with a held-out split, for a few steps:
 * - the held-out eval_loss goes down;
 * - the PEFT adapter the run writes reads back to the run's adapters bit for bit;
 * - the ONNX model merged from it gives the logits of the tfjs base with the adapter unmerged
 *   within 1e-5.
 */
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCheckpointWeights } from '../../src/checkpoint/index.js';
import { compileOnnx } from '../../src/lower/onnx/compile-onnx.js';
import { createLoraRuntime } from '../../src/lower/tfjs/lora.js';
import { createTfjsModel } from '../../src/lower/tfjs/model.js';
import { createVariables, disposeVariables } from '../../src/lower/tfjs/variables.js';
import { readPeftAdapter } from '../../src/interop/peft/read-adapter.js';
import { loadMergedWeights } from '../../src/cli/compile/adapter-weights.js';
import { readAdapterCheckpoint } from '../../src/train/adapter-checkpoint.js';
import { runTraining } from '../../src/train/loop.js';
import { readMetrics } from '../../src/train/metrics.js';
import { loadTokenizer } from '../../src/train/tokenizer.js';
import { runLogits } from '../lower/onnx/helpers.js';
import { buildTinyIR } from './tiny-model.js';

const TOKENIZER = 'test/fixtures/tokenizers/llama2-tiny';
const root = mkdtempSync(join(tmpdir(), 'moec-finetune-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('fine-tuning end to end', () => {
  it('LoRA on experts and attention: eval_loss falls, the PEFT adapter round-trips, merged logits match', async () => {
    const tok = loadTokenizer(TOKENIZER).value!;
    const pairs: [string, string][] = [['How are you doing?', 'Hello World'], ['Hello World', 'How are you doing?'], ['The company', 'was founded in 2016.']];
    const data = join(root, 'chat.jsonl');
    writeFileSync(data, Array.from({ length: 24 }, (_, i) => JSON.stringify({ messages: [{ role: 'user', content: pairs[i % 3]![0] }, { role: 'assistant', content: pairs[i % 3]![1] }] })).join('\n'));
    const narrow = (s: Parameters<Parameters<typeof buildTinyIR>[0] & object>[0]) => {
      Object.assign(s, { hidden: 32, vocab: tok.size });
      Object.assign(s.moe!.experts, { ffn: 64 });
      Object.assign(s.moe!.shared!, { ffn: 32 });
      delete s.moe!.router.capacity_factor;
      delete s.moe!.router.overflow;
      Object.assign(s.train!, { batch: 2, seq_len: 32, checkpoint_every: 4, optimizer: { type: 'adamw', lr: 3e-2, weight_decay: 0 }, schedule: { type: 'constant' } });
    };
    const common = { specFile: 'specs/tiny.moe', backend: 'wasm' as const, progress: 'silent' as const, data: [data], tokenizer: TOKENIZER };
    const baseIR = await buildTinyIR(narrow);
    const base = join(root, 'base');
    expect((await runTraining({ ...common, ir: baseIR, outDir: base, steps: 2 })).status).toBe('completed');

    const ir = await buildTinyIR((s) => {
      narrow(s);
      s.train!.lora = { rank: 4, alpha: 32, dropout: 0.05, targets: ['attention', 'experts'] };
    });
    const run = join(root, 'tuned');
    const tuned = await runTraining({ ...common, ir, outDir: run, initFrom: base, steps: 8, evalSplit: 0.25, evalEvery: 4 });
    expect(tuned.diagnostics.filter((d) => d.severity !== 'info')).toEqual([]);
    const evals = readMetrics(join(run, 'metrics.jsonl')).flatMap((m) => (m.eval_loss !== undefined ? [m.eval_loss] : []));
    expect(evals).toHaveLength(2);
    expect(evals[1]!).toBeLessThan(evals[0]!);

    const own = readAdapterCheckpoint(run, ir).value!.adapters;
    const peft = readPeftAdapter(join(run, 'adapter'), ir, 'qwen2_moe').value!.adapters;
    for (const [n, v] of own) expect(Buffer.from(peft.get(n)!.buffer).equals(Buffer.from(v.buffer)), n).toBe(true);

    const merged = loadMergedWeights(ir, { weights: base, adapter: join(run, 'adapter'), seed: 0 }).value!;
    const file = join(root, 'tuned.onnx');
    const compiled = await compileOnnx(ir, { out: file, loaded: merged });
    expect(compiled.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const ids = [tok.encode('How are you doing? Hello World', { special: true }), tok.encode('The company was founded in 2016.', { special: true })];
    const len = Math.min(ids[0]!.length, ids[1]!.length);
    const rows = ids.map((r) => r.slice(0, len));
    const onnx = await runLogits(readFileSync(file), rows);
    const vars = createVariables(ir, readCheckpointWeights(base, baseIR).value!, { frozen: true });
    try {
      const lora = createLoraRuntime(ir, vars, own);
      const input = tf.tensor2d(rows, [2, len], 'int32');
      const { logits } = createTfjsModel(ir, vars, { lora }).model.forward(input, { training: false });
      const ref = logits.dataSync() as Float32Array;
      tf.dispose([input, logits]);
      let worst = 0;
      for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(ref[i]! - onnx[i]!));
      expect(worst).toBeLessThanOrEqual(1e-5);
    } finally {
      disposeVariables(vars);
    }
  }, 180_000);
});
