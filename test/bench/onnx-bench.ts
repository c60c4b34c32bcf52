/**
 * Benchmark (npm run bench:onnx): onnxruntime latency of one emitted MoE FFN block —
 * the sparse standard-op dispatch vs the dense-masked form (every expert on every token) vs
 * the fused com.microsoft.MoE op — for E = 8/32/64 experts, top-2, in one run on one machine.
 * Shapes: T tokens × hidden, expert FFN width, SwiGLU, softmax + norm_topk routing (the
 * routing the fused op expresses, so all three compute the same function). Median of the timed
 * runs after warm-up, intra-op threads as printed. Target: sparse speed-up over dense-masked
 * ≥ E / top_k / 2. Env: BENCH_TOKENS, BENCH_THREADS, BENCH_EXPERTS (comma list), BENCH_RUNS.
 */
import * as ort from 'onnxruntime-node';
import { buildIR } from '../../src/ir/build-ir.js';
import type { MoeIR } from '../../src/ir/types.js';
import { DT, GraphBuilder, onnx } from '../../src/lower/onnx/graph-builder.js';
import type { EmitContext } from '../../src/lower/onnx/linear.js';
import { fillDeferred, mapDataContext } from '../../src/lower/onnx/emit-model.js';
import { moeBlock, type MoeDispatch } from '../../src/lower/onnx/moe-block.js';
import type { ModelSpec } from '../../src/spec/types.js';
import { initWeights } from '../../src/weights/init-weights.js';

const T = Number(process.env.BENCH_TOKENS ?? 512);
const HIDDEN = 512;
const FFN = 1024;
const TOP_K = 2;
const THREADS = Number(process.env.BENCH_THREADS ?? 2);
const EXPERTS = (process.env.BENCH_EXPERTS ?? '8,32,64').split(',').map(Number);
const RUNS = Number(process.env.BENCH_RUNS ?? 20);

function blockModel(experts: number, dispatch: MoeDispatch): { bytes: Uint8Array; kind: string } {
  const spec: ModelSpec = {
    name: `moe-block-e${experts}`,
    vocab: 16,
    hidden: HIDDEN,
    layers: 1,
    context: T,
    attention: { heads: 8 },
    moe: { experts: { count: experts, ffn: FFN, activation: 'swiglu' }, router: { top_k: TOP_K, score: 'softmax', norm_topk: true } },
  };
  const ir = buildIR(spec).value;
  const layer = ir.layers[0];
  const moe = layer.ffn as MoeIR;
  const tensors = ir.tensors.filter((t) => t.name.startsWith('layers.0.moe.'));
  const b = new GraphBuilder();
  const ctx: EmitContext = { b, ir, tensors: new Map(tensors.map((t) => [t.name, t])) };
  const y = moeBlock(ctx, 'x', 'layers.0.moe', moe, dispatch);
  fillDeferred(b.initializers, b.deferred, mapDataContext({ tensors }, initWeights({ tensors }, 1)));
  b.op('Identity', [y], {}, { names: ['y'] });
  const kind = b.nodes.some((n) => n.opType === 'MoE') ? 'fused' : dispatch;
  const dims = (d: (number | string)[]) => ({ dim: d.map((v) => (typeof v === 'number' ? { dimValue: v } : { dimParam: v })) });
  const model = onnx.ModelProto.create({
    irVersion: 10,
    opsetImport: [{ domain: '', version: 21 }, ...[...b.domains].map((domain) => ({ domain, version: 1 }))],
    graph: {
      name: spec.name,
      node: b.nodes,
      initializer: b.initializers,
      input: [{ name: 'x', type: { tensorType: { elemType: DT.FLOAT, shape: dims(['T', HIDDEN]) } } }],
      output: [{ name: 'y', type: { tensorType: { elemType: DT.FLOAT, shape: dims(['T', HIDDEN]) } } }],
    },
  });
  return { bytes: onnx.ModelProto.encode(model).finish(), kind };
}

async function time(bytes: Uint8Array, x: ort.Tensor, runs: number): Promise<{ median: number; y: Float32Array }> {
  const session = await ort.InferenceSession.create(Buffer.from(bytes), { intraOpNumThreads: THREADS, interOpNumThreads: 1 });
  try {
    let y = (await session.run({ x })).y.data as Float32Array;
    for (let i = 0; i < 2; i++) y = (await session.run({ x })).y.data as Float32Array;
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      await session.run({ x });
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    return { median: times[Math.floor(times.length / 2)], y };
  } finally {
    await session.release();
  }
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

const input = new Float32Array(T * HIDDEN);
let s = 12345;
for (let i = 0; i < input.length; i++) {
  s = (s * 1103515245 + 12345) >>> 0;
  input[i] = (s / 2 ** 32) * 2 - 1;
}
const x = new ort.Tensor('float32', input, [T, HIDDEN]);

console.log(`onnxruntime-node ${ort.env.versions.common} CPU, MoE FFN block: T=${T} tokens, hidden ${HIDDEN}, expert FFN ${FFN} (SwiGLU), top-${TOP_K}, ${THREADS} intra-op threads, median of ${RUNS} runs after 3 warm-up\n`);
console.log('experts | dense-masked ms | sparse ms | fused ms | sparse speed-up vs dense | target (E/K/2) | fused ÷ sparse | max |Δy| sparse–dense, sparse–fused');
for (const E of EXPERTS) {
  const sparse = await time(blockModel(E, 'sparse').bytes, x, RUNS);
  const dense = await time(blockModel(E, 'dense').bytes, x, Math.max(3, Math.round(RUNS / (E / 8))));
  const f = blockModel(E, 'fused');
  const fused = f.kind === 'fused' ? await time(f.bytes, x, RUNS) : undefined;
  const speedup = dense.median / sparse.median;
  const target = E / TOP_K / 2;
  console.log(
    [
      String(E).padStart(7),
      dense.median.toFixed(2).padStart(15),
      sparse.median.toFixed(2).padStart(9),
      (fused ? fused.median.toFixed(2) : 'n/a').padStart(8),
      `${speedup.toFixed(1)}×`.padStart(24),
      `${target}× ${speedup >= target ? 'met' : 'MISSED'}`.padStart(14),
      (fused ? `${(fused.median / sparse.median).toFixed(2)}×` : 'n/a').padStart(15),
      `${maxDiff(sparse.y, dense.y).toExponential(1)}, ${fused ? maxDiff(sparse.y, fused.y).toExponential(1) : 'n/a'}`,
    ].join(' | '),
  );
}
