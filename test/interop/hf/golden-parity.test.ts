/**
 * The Done-when of issue 8: every golden fixture (test/fixtures/hf/, logits computed by the
 * transformers modeling code) is imported (`moec import`'s config reader), its weights read
 * through the HF checkpoint reader (`--weights <hf dir>`: layouts, BF16/F16, FP8, MXFP4), and
 * both targets reproduce the logits within 1e-4 · max(1, max|logit|), absolute, per logit:
 * ONNX (onnxruntime-node, KV-cache graph with the fixture's attention_mask) and TensorFlow.js
 * (cpu backend, inference forward). A case moec refuses must be a documented known gap
 * (docs/hf.md §Known gaps) with its diagnostic. In-process, no CLI, to keep it fast.
 *
 * The tfjs forward is the training graph: it has no attention padding mask (the trainer pads on
 * the right and ignores padded targets), so on the padded case it is compared at the real
 * positions only — those are the ones a training step uses. ONNX compares every position.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importConfig } from '../../../src/interop/hf/import-config.js';
import { readHfWeights } from '../../../src/interop/hf/weights/read-hf-weights.js';
import { emitOnnxModel } from '../../../src/lower/onnx/emit-model.js';
import { cacheLayout, fullSequenceFeeds, int64Tensor } from '../../../src/run/cache-layout.js';
import { encode } from '../../lower/onnx/helpers.js';
import { useBackend, withModel } from '../../lower/tfjs/helpers.js';

const ROOT = 'test/fixtures/hf';
const CASES = readdirSync(ROOT).filter((d) => statSync(join(ROOT, d)).isDirectory()).sort();
/** Cases moec refuses, with the diagnostic; each must be listed in docs/hf.md's known gaps. */
const KNOWN_GAPS: Record<string, string> = {};

interface Expected {
  input_ids: number[][];
  attention_mask?: number[][];
  /** Row-major [batch, seq, vocab]. */
  logits: number[];
  logits_shape: [number, number, number];
  max_abs_logit: number;
}

function load(name: string) {
  const dir = join(ROOT, name);
  const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Expected;
  const imported = importConfig(dir);
  expect(imported.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const ir = imported.value!.ir;
  const read = readHfWeights(dir, ir);
  expect(read.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return { ir, weights: read.value!.weights, expected, tol: 1e-4 * Math.max(1, expected.max_abs_logit) };
}

/** max |got − want| over the positions `keep` admits. */
function maxError(got: ArrayLike<number>, e: Expected, keep: (b: number, s: number) => boolean = () => true): number {
  const [B, S, V] = e.logits_shape;
  expect(got.length).toBe(B * S * V);
  expect(e.logits.length).toBe(B * S * V);
  let m = 0;
  for (let b = 0; b < B; b++) for (let s = 0; s < S; s++) {
    if (!keep(b, s)) continue;
    for (let v = 0; v < V; v++) m = Math.max(m, Math.abs(got[(b * S + s) * V + v]! - e.logits[(b * S + s) * V + v]!));
  }
  return m;
}

describe('golden HF fixtures: moec computes what transformers computes', () => {
  beforeAll(async () => useBackend('cpu'));
  afterAll(() => tf.disposeVariables());

  for (const name of CASES) {
    if (KNOWN_GAPS[name]) {
      it(`${name}: refused with ${KNOWN_GAPS[name]}, a documented known gap`, () => {
        const r = importConfig(join(ROOT, name));
        expect(r.value).toBeUndefined();
        expect(r.diagnostics.map((d) => d.code)).toContain(KNOWN_GAPS[name]);
        const gaps = readFileSync('docs/hf.md', 'utf8').split('## Known gaps')[1] ?? '';
        expect(gaps).toContain(`\`${name}\``);
      });
      continue;
    }

    it(`${name}: ONNX`, async () => {
      const { ir, weights, expected, tol } = load(name);
      const session = await ort.InferenceSession.create(Buffer.from(encode(emitOnnxModel(ir, weights, { moe: 'sparse' }))), { intraOpNumThreads: 1 });
      try {
        const feeds = fullSequenceFeeds(cacheLayout(session) as never, expected.input_ids);
        const [B, S] = [expected.input_ids.length, expected.input_ids[0]!.length];
        if (expected.attention_mask) feeds.attention_mask = int64Tensor(expected.attention_mask.flat(), [B, S]);
        const out = await session.run(feeds);
        const err = maxError(out.logits.data as Float32Array, expected);
        console.log(`${name} ONNX: max abs error ${err.toExponential(2)} (tolerance ${tol.toExponential(2)})`);
        expect(err).toBeLessThanOrEqual(tol);
      } finally {
        await session.release();
        weights.close();
      }
    });

    it(`${name}: tfjs`, async () => {
      const { ir, weights, expected, tol } = load(name);
      try {
        const got = await withModel(ir, weights, (m) => {
          const ids = tf.tensor2d(expected.input_ids, [expected.input_ids.length, expected.input_ids[0]!.length], 'int32');
          const { logits } = m.forward(ids, { training: false });
          const data = logits.dataSync();
          tf.dispose([ids, logits]);
          return data;
        });
        const mask = expected.attention_mask;
        const err = maxError(got, expected, (b, s) => !mask || mask[b]![s] === 1);
        console.log(`${name} tfjs: max abs error ${err.toExponential(2)} (tolerance ${tol.toExponential(2)})`);
        expect(err).toBeLessThanOrEqual(tol);
      } finally {
        weights.close();
      }
    });
  }
});
