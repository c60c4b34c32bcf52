/**
 * `moec train --eval-split`: the tail of the data is held out, eval_loss is logged on the
 * evaluation steps (every --eval-every steps and at the end) and equals `moec eval` of the
 * exported checkpoint on the same tail with the training seq_len (tfjs vs onnxruntime, both
 * float32: relative 1e-4; the spec here has no capacity, so both route the same way); the split
 * is kept on resume, a different one is refused (MOE6581), one too small is refused (MOE6580).
 */
import * as ort from 'onnxruntime-node';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCheckpointWeights } from '../../src/checkpoint/index.js';
import { evalWindows } from '../../src/eval/held-out.js';
import { scoreTokens } from '../../src/eval/score-onnx.js';
import { emitOnnxModel } from '../../src/lower/onnx/emit-model.js';
import { onnx } from '../../src/lower/onnx/graph-builder.js';
import { cacheLayout, type CacheLayout } from '../../src/run/cache-layout.js';
import { loadCorpus } from '../../src/train/corpus.js';
import { splitPoint } from '../../src/train/eval-loss.js';
import { runTraining } from '../../src/train/loop.js';
import { readMetrics } from '../../src/train/metrics.js';
import { buildTinyIR } from './tiny-model.js';

const root = mkdtempSync(join(tmpdir(), 'moec-eval-split-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const DATA = ['specs/data/declaration-and-gettysburg.txt'];

describe('moec train --eval-split', () => {
  it('logs eval_loss on evaluation steps, equal to moec eval of the checkpoint on the held-out tail; resume keeps the split', async () => {
    const ir = await buildTinyIR((s) => {
      Object.assign(s.train!, { batch: 4, seq_len: 32 });
      delete s.moe!.router!.capacity_factor;
      delete s.moe!.router!.overflow;
    });
    const out = join(root, 'run');
    const base = { ir, specFile: 'specs/tiny.moe', outDir: out, data: DATA, backend: 'wasm' as const, progress: 'silent' as const };
    const first = await runTraining({ ...base, steps: 4, evalSplit: 0.05, evalEvery: 3, checkpointEvery: 4 });
    expect(first.status).toBe('completed');
    let metrics = readMetrics(join(out, 'metrics.jsonl'));
    expect(metrics.filter((m) => m.eval_loss !== undefined).map((m) => m.step)).toEqual([3, 4]);

    // moec eval's scoring of the exported checkpoint on the same tail and windows.
    const corpus = loadCorpus(DATA, ir.vocab).value!;
    const tail = corpus.tokens.slice(splitPoint(corpus.tokens.length, 0.05, 32)!);
    const weights = readCheckpointWeights(out, ir).value!;
    const session = await ort.InferenceSession.create(Buffer.from(onnx.ModelProto.encode(emitOnnxModel(ir, weights)).finish()));
    const scored = await scoreTokens(session, cacheLayout(session) as CacheLayout, ir.vocab, tail, evalWindows(tail.length, 32));
    await session.release();
    const last = metrics[metrics.length - 1];
    expect(last.eval_tokens).toBe(tail.length - 1);
    expect(Math.abs(last.eval_loss! / scored.loss - 1)).toBeLessThan(1e-4);

    const again = await runTraining({ ...base, resume: true, steps: 6, evalEvery: 3 });
    expect(again.status).toBe('completed');
    metrics = readMetrics(join(out, 'metrics.jsonl'));
    expect(metrics.filter((m) => m.eval_loss !== undefined).map((m) => m.step)).toEqual([3, 4, 6]);
    const refused = await runTraining({ ...base, resume: true, steps: 8, evalSplit: 0.1 });
    expect(refused.diagnostics.map((d) => d.code)).toEqual(['MOE6581']);
  });

  it('refuses a split that leaves too little to train or to score (MOE6580)', async () => {
    const ir = await buildTinyIR();
    const r = await runTraining({ ir, specFile: 'specs/tiny.moe', outDir: join(root, 'small'), data: DATA, steps: 1, evalSplit: 0.9999, backend: 'wasm', progress: 'silent' });
    expect(r.diagnostics.map((d) => d.code)).toEqual(['MOE6580']);
  });
});
