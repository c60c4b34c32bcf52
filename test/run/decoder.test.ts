/**
 * KV-cache decoding equals full recompute: a left-padded batch of prompts of unequal lengths is
 * prefilled once and extended one token per step through the cache; at every step each row's
 * logits must equal (1e-4 absolute) the logits of that row's unpadded sequence run whole with an
 * empty past — and, for fp32 models, the float64 reference forward pass with inference routing.
 * Covered: GQA + RoPE + MoE (specs/tiny), sliding window + sinks with the window shorter than
 * the sequence, MLA, an int4 quantized model and the fused com.microsoft.MoE dispatch.
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { emitOnnxModel, type EmitOptions } from '../../src/lower/onnx/emit-model.js';
import type { ModelIR } from '../../src/ir/types.js';
import { cacheLayout, type CacheLayout } from '../../src/run/cache-layout.js';
import { CachedDecoder, RecomputeDecoder } from '../../src/run/decoder.js';
import { argmax } from '../../src/run/lm-session.js';
import { inferenceRouting, referenceIR, testWeights } from '../reference/cases.js';
import { referenceForward } from '../reference/reference-forward.js';
import { encode, maxAbsDiff } from '../lower/onnx/helpers.js';
import { irOf, tinySpec } from '../lower/onnx/variants.js';

const TOL = 1e-4;
const STEPS = 6;

async function session(ir: ModelIR, options: EmitOptions = {}): Promise<{ s: ort.InferenceSession; layout: CacheLayout }> {
  const s = await ort.InferenceSession.create(Buffer.from(encode(emitOnnxModel(ir, testWeights(ir), options))), { intraOpNumThreads: 1 });
  const layout = cacheLayout(s);
  if (!layout || typeof layout === 'string') throw new Error(`no cache interface: ${layout}`);
  return { s, layout };
}

function prompts(vocab: number): number[][] {
  return [3, 7, 1, 5].map((n, r) => Array.from({ length: n }, (_, i) => (r * 5 + i * 3 + 1) % vocab));
}

/** Greedy-decode through the cache; compare every step with whole-sequence runs. Returns the largest error. */
async function checkCachedAgainstRecompute(ir: ModelIR, options: EmitOptions = {}, reference = true): Promise<number> {
  const { s, layout } = await session(ir, options);
  try {
    const cached = new CachedDecoder(s, layout, 1);
    const rows = prompts(ir.vocab);
    const seqs = rows.map((r) => [...r]);
    let logits = await cached.prefill(rows);
    let worst = 0;
    for (let step = 0; ; step++) {
      // Each row alone, unpadded, whole sequence, empty past.
      const whole = new RecomputeDecoder(s, layout);
      for (let r = 0; r < seqs.length; r++) {
        const [expected] = await whole.prefill([seqs[r]]);
        worst = Math.max(worst, maxAbsDiff(logits[r], expected));
        if (reference) {
          const ref = referenceForward(inferenceRouting(ir), testWeights(ir), [seqs[r]]);
          worst = Math.max(worst, maxAbsDiff(logits[r], ref.subarray(ref.length - ir.vocab)));
        }
      }
      if (step === STEPS) break;
      const next = logits.map((l) => argmax(l));
      next.forEach((t, r) => seqs[r].push(t));
      logits = await cached.step(next);
    }
    expect(cached.length).toBe(7 + STEPS);
    return worst;
  } finally {
    await s.release();
  }
}

describe('cached decoding equals full recompute at every step (left-padded batch, lengths 3, 7, 1, 5)', () => {
  const cases: [string, () => ModelIR, EmitOptions?, boolean?][] = [
    ['specs/tiny: GQA, RoPE, MoE with shared expert (capacity in the spec, per-token routing)', () => irOf(tinySpec)],
    ['sliding window 3 + sinks (GQA, RoPE): the window slides over the cache', () =>
      irOf({ ...tinySpec, attention: { ...tinySpec.attention, window: 3, sinks: true } })],
    ['MQA, qk_norm, window 2 on layer 0, sinks, dense + MoE layers (reference case)', () => referenceIR('mqa-qknorm-window-sinks-relu-geglu')],
    ['MLA with q_lora (full per-head K/V cache, key 6 wide, value 3 wide)', () => referenceIR('mla-qlora-moe')],
    ['MLA without q_lora, linear rope scaling', () => referenceIR('mla-no-qlora-linear-rope')],
    ['LayerNorm, biases, partial RoPE, tied head (reference case)', () => referenceIR('mha-layernorm-bias-partial-rope-gelu-tied')],
    ['fused com.microsoft.MoE dispatch', () => irOf(tinySpec), { moe: 'fused' }],
    ['int4 experts (MatMulNBits), int8 attention', () => irOf({ ...tinySpec, quantize: { experts: { dtype: 'int4', block: 32 }, attention: { dtype: 'int8' } } }), {}, false],
  ];
  for (const [name, ir, options, reference] of cases) {
    it(name, async () => {
      const err = await checkCachedAgainstRecompute(ir(), options, reference ?? true);
      console.log(`${name}: max |Δlogit| ${err.toExponential(2)}`);
      expect(err).toBeLessThan(TOL);
    });
  }
});
