/**
 * Benchmark (npm run bench:hf): the Hugging Face bridge on a mid-size MoE (qwen3_moe-shaped, about
 * BENCH_PARAMS million parameters, default 150):
 * - export: `moec export hf` of the seeded weights as BF16 shards of 200 MB (the weights are
 *   generated per tensor as the writer asks, so the float32 model never exists whole);
 * - import: `--weights <hf dir>` planning (headers, index, every shape) and then every tensor read,
 *   converted to float32 and put in the IR's layout, one `get` at a time, as the ONNX emitter reads.
 * Prints seconds, MB/s of checkpoint bytes and peak RSS against the float32 model size: with
 * per-tensor streaming the peak stays near the largest tensor, not the model.
 * Env: BENCH_PARAMS (millions, default 150), BENCH_DIR (default the OS temp directory).
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { exportHf } from '../../src/interop/hf/export-hf.js';
import { readHfWeights } from '../../src/interop/hf/weights/read-hf-weights.js';
import { buildIR } from '../../src/ir/build-ir.js';
import type { ModelSpec } from '../../src/spec/types.js';
import { LazyInitWeights } from '../../src/weights/lazy-weights.js';

const target = Number(process.env.BENCH_PARAMS ?? 150) * 1e6;
const hidden = 1024;
const ffn = 512;
const experts = 32;
const perLayer = experts * 3 * hidden * ffn + 4 * hidden * hidden;
const vocab = 8_000;
const layers = Math.max(1, Math.round((target - 2 * vocab * hidden) / perLayer));
const spec: ModelSpec = {
  name: 'hf-bench', vocab, hidden, layers, context: 4096,
  attention: { heads: 16, kv_heads: 4, head_dim: 64, qk_norm: 'head', rope: { theta: 1e6 } },
  moe: { experts: { count: experts, ffn }, router: { top_k: 4, norm_topk: true } },
};
const ir = buildIR(spec).value;
const params = ir.tensors.reduce((s, t) => s + t.shape.reduce((a, b) => a * b, 1), 0);
const largest = Math.max(...ir.tensors.map((t) => t.shape.reduce((a, b) => a * b, 1)));
const dir = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), 'moec-hf-bench-'));
const out = join(dir, 'hf');
let peak = 0;
const sample = () => (peak = Math.max(peak, process.memoryUsage().rss));
const mb = (b: number) => `${(b / 1e6).toFixed(0)} MB`;

try {
  const base = process.memoryUsage().rss;
  let t0 = performance.now();
  const timer = setInterval(sample, 20);
  const written = exportHf(ir, new LazyInitWeights(ir, 1), out, { dtype: 'bf16', maxShardSize: 200e6 });
  sample();
  if (!written.value) throw new Error(written.diagnostics.map((d) => d.message).join('; '));
  const bytes = readdirSync(out).reduce((s, f) => s + statSync(join(out, f)).size, 0);
  const exportMs = performance.now() - t0;
  const exportPeak = peak - base;
  peak = 0;
  t0 = performance.now();
  const read = readHfWeights(out, ir);
  if (!read.value) throw new Error(read.diagnostics.map((d) => d.message).join('; '));
  const planMs = performance.now() - t0;
  let sum = 0;
  for (const t of ir.tensors) {
    sum += read.value.weights.get(t.name)![0]!;
    sample();
  }
  const readMs = performance.now() - t0;
  clearInterval(timer);
  read.value.weights.close();
  console.log(`model: ${layers} layers, ${experts} experts; ${(params / 1e6).toFixed(0)} M parameters = ${mb(params * 4)} float32; largest tensor ${mb(largest * 4)} float32`);
  console.log(`export hf (bf16, ${written.value.files.length} files, ${mb(bytes)}): ${(exportMs / 1000).toFixed(1)} s, ${(bytes / 1e6 / (exportMs / 1000)).toFixed(0)} MB/s (seeded init generated per tensor), peak RSS +${mb(exportPeak)}`);
  console.log(`read --weights (plan ${planMs.toFixed(0)} ms, then every tensor to float32 in IR layout): ${(readMs / 1000).toFixed(1)} s, ${(bytes / 1e6 / (readMs / 1000)).toFixed(0)} MB/s of checkpoint, peak RSS +${mb(peak - base)} (checksum ${sum.toFixed(3)})`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
