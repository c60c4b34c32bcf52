/**
 * Benchmark (npm run bench:decode): decoding speed of the compiled model with the KV cache
 * against full recompute, on a ~100M-parameter spec (hidden 512, 8 layers, GQA 8/4 heads,
 * 8 experts top-2 with expert FFN 640, vocab 32000: 102M parameters), onnxruntime-node CPU.
 *  - time per new token at positions 32, 128 and 512: with the cache, the median step time of
 *    the steps around that position in one long greedy generation; without it, the median time
 *    of a whole-sequence forward of that length (what every step costs without a cache);
 *  - generating 256 tokens after a 16-token prompt, both ways (the same model and greedy tokens),
 *    as seconds and tokens/s.
 * Targets: cached per-token time at 512 within 1.5× of that at 32; 256 tokens ≥ 5× faster cached.
 * Env: BENCH_THREADS (intra-op threads, default 2), BENCH_NEW (tokens to generate, default 256),
 * BENCH_RUNS (recompute forwards per position, default 5).
 */
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import * as ort from 'onnxruntime-node';
import { buildIR } from '../../src/ir/build-ir.js';
import { emitOnnxModel } from '../../src/lower/onnx/emit-model.js';
import { onnx } from '../../src/lower/onnx/graph-builder.js';
import { cacheLayout, fullSequenceFeeds, type CacheLayout } from '../../src/run/cache-layout.js';
import { CachedDecoder, RecomputeDecoder } from '../../src/run/decoder.js';
import { generate } from '../../src/run/generate.js';
import { createSampler, GREEDY } from '../../src/run/sampling.js';
import type { ModelSpec } from '../../src/spec/types.js';
import { LazyInitWeights } from '../../src/weights/lazy-weights.js';

const THREADS = Number(process.env.BENCH_THREADS ?? 2);
const NEW = Number(process.env.BENCH_NEW ?? 256);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const POSITIONS = [32, 128, 512];
const PROMPT = Array.from({ length: 16 }, (_, i) => (i * 37 + 11) % 256);

const spec: ModelSpec = {
  name: 'decode-bench-100m',
  vocab: 32000,
  hidden: 512,
  layers: 8,
  context: 1024,
  attention: { heads: 8, kv_heads: 4, head_dim: 64 },
  moe: { experts: { count: 8, ffn: 640, activation: 'swiglu' }, router: { top_k: 2, score: 'softmax', norm_topk: true } },
};

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Cached: ms of each step, indexed by the position of the token fed (prompt 0..15, then 16, 17, …). */
async function cachedStepTimes(session: ort.InferenceSession, layout: CacheLayout, until: number): Promise<Map<number, number>> {
  const decoder = new CachedDecoder(session, layout);
  const times = new Map<number, number>();
  let logits = await decoder.prefill([PROMPT]);
  for (let pos = PROMPT.length; pos <= until; pos++) {
    const next = createSampler(GREEDY, 0)(logits[0]);
    const t0 = performance.now();
    logits = await decoder.step([next]);
    times.set(pos, performance.now() - t0);
  }
  return times;
}

async function recomputeForward(session: ort.InferenceSession, layout: CacheLayout, length: number): Promise<number> {
  const ids = [Array.from({ length }, (_, i) => PROMPT[i % PROMPT.length])];
  const times: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now();
    await session.run(fullSequenceFeeds(layout, ids));
    times.push(performance.now() - t0);
  }
  return median(times);
}

async function main(): Promise<void> {
  const ir = buildIR(spec).value;
  const params = ir.tensors.reduce((s, t) => s + t.shape.reduce((a, b) => a * b, 1), 0);
  const bytes = onnx.ModelProto.encode(emitOnnxModel(ir, new LazyInitWeights(ir, 1))).finish();
  const session = await ort.InferenceSession.create(Buffer.from(bytes), { intraOpNumThreads: THREADS, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
  const layout = cacheLayout(session) as CacheLayout;
  console.log(`decode benchmark: ${spec.name}, ${(params / 1e6).toFixed(1)}M parameters (hidden 512, 8 layers, GQA 8/4, 8 experts top-2, vocab 32000)`);
  console.log(`onnxruntime-node ${ort.env.versions.common} CPU, ${THREADS} intra-op threads, node ${process.version}, ${cpus().length} cores, load average ${loadavg()[0].toFixed(1)}`);

  const cached = await cachedStepTimes(session, layout, Math.max(...POSITIONS) + 4);
  const around = (p: number) => median([...cached.entries()].filter(([pos]) => Math.abs(pos - p) <= 4).map(([, t]) => t));
  console.log('\nposition  cached ms/token  recompute ms/token  speed-up');
  const rows: { pos: number; c: number; r: number }[] = [];
  for (const pos of POSITIONS) {
    const c = around(pos);
    const r = await recomputeForward(session, layout, pos + 1);
    rows.push({ pos, c, r });
    console.log(`${String(pos).padStart(8)}  ${c.toFixed(2).padStart(15)}  ${r.toFixed(2).padStart(18)}  ${(r / c).toFixed(1).padStart(7)}×`);
  }
  const ratio = rows[rows.length - 1].c / rows[0].c;
  console.log(`cached per-token time, position 512 / 32: ${ratio.toFixed(2)}× (target ≤ 1.5: ${ratio <= 1.5 ? 'met' : 'NOT met'})`);

  const options = { maxNewTokens: NEW, sampler: createSampler(GREEDY, 0) };
  const withCache = await generate(new CachedDecoder(session, layout), [PROMPT], options);
  const without = await generate(new RecomputeDecoder(session, layout), [PROMPT], options);
  const same = withCache.ids[0].every((id, i) => id === without.ids[0][i]);
  const speedup = without.totalSeconds / withCache.totalSeconds;
  console.log(`\ngenerate ${NEW} tokens after a ${PROMPT.length}-token prompt (greedy, same tokens both ways: ${same}):`);
  console.log(`  with the cache     ${withCache.totalSeconds.toFixed(2)} s  ${(NEW / withCache.totalSeconds).toFixed(1)} tokens/s (prefill ${(withCache.prefillSeconds * 1000).toFixed(1)} ms)`);
  console.log(`  full recompute     ${without.totalSeconds.toFixed(2)} s  ${(NEW / without.totalSeconds).toFixed(1)} tokens/s`);
  console.log(`  speed-up ${speedup.toFixed(1)}× (target ≥ 5: ${speedup >= 5 ? 'met' : 'NOT met'})`);
  await session.release();
}

await main();
