/**
 * Benchmark: compile an MoE model of a chosen size to ONNX and load it back — time per phase,
 * file sizes (external data past 2 GB), peak RSS, and onnxruntime session creation / first
 * forward. Prints figures; asserts nothing.
 *
 *   npm run bench:compile-size -- [hidden] [ffn] [layers] [quant]
 *   defaults 1024 2816 2 fp32 (209 M parameters, 798 MiB); 2048 5632 2 → 706 M, 2.6 GiB, external data
 *   quant: fp32 | int8 | int4 (experts and attention quantized; int4 in blocks of 32)
 */
import { cacheLayout, fullSequenceFeeds } from '../../src/run/cache-layout.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import * as ort from 'onnxruntime-node';
import { compileOnnx } from '../../src/lower/onnx/compile-onnx.js';
import { loadModel } from '../../src/pipeline.js';

const [hidden = 1024, ffn = 2816, layers = 2] = process.argv.slice(2, 5).map(Number);
const quant = process.argv[5] ?? 'fp32';
const q = quant === 'fp32' ? undefined : { dtype: quant, ...(quant === 'int4' ? { block: 32 } : {}) };
const spec = {
  name: `bench-${hidden}-${ffn}-${layers}-${quant}`,
  vocab: 32000,
  hidden,
  layers,
  context: 2048,
  attention: { heads: 16, kv_heads: 4 },
  moe: { experts: { count: 8, ffn }, router: { top_k: 2 } },
  ...(q ? { quantize: { experts: q, attention: q } } : {}),
};
const dir = mkdtempSync(join(tmpdir(), 'moec-bench-compile-'));
const mb = (n: number) => `${(n / 2 ** 20).toFixed(0)} MiB`;
try {
  const file = join(dir, 'spec.moe.json');
  writeFileSync(file, JSON.stringify(spec));
  const loaded = loadModel(file, { memoryFit: false });
  if (!loaded.ir) throw new Error(loaded.diagnostics.map((d) => d.message).join('\n'));
  const t0 = performance.now();
  const r = await compileOnnx(loaded.ir, { out: join(dir, 'model.onnx') });
  const t1 = performance.now();
  if (!r.value?.model) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
  const s = r.value;
  console.log(`${spec.name}: ${s.params.toLocaleString('en-US')} parameters, node ${process.version}`);
  console.log(`  compile ${((t1 - t0) / 1000).toFixed(2)} s (weights+graph ${((s.ms.weights + s.ms.emit) / 1000).toFixed(2)} s, write ${(s.ms.write / 1000).toFixed(2)} s)`);
  console.log(`  files   model ${mb(s.model!.bytes)}${s.model!.data.map((d) => ` + ${mb(d.bytes)}`).join('')} (${s.model!.data.length} external data shard(s))`);
  console.log(`  peak RSS after compile ${mb(process.resourceUsage().maxRSS * 1024)}`);
  const t2 = performance.now();
  const session = await ort.InferenceSession.create(s.model!.path, { intraOpNumThreads: 2 });
  const t3 = performance.now();
  const layout = cacheLayout(session);
  await session.run(fullSequenceFeeds(typeof layout === 'string' ? undefined : layout, [Array.from({ length: 32 }, (_, i) => i)]));
  const t4 = performance.now();
  console.log(`  onnxruntime: session ${((t3 - t2) / 1000).toFixed(2)} s, first forward [1, 32] ${(t4 - t3).toFixed(0)} ms (2 threads)`);
  await session.release();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
