/**
 * Benchmark (npm run bench:safetensors): streaming safetensors I/O against `cp` of the same bytes.
 * - write: float32 values produced in 16M-element chunks, rounded to BF16, written to one file
 *   (the writer pulls chunks, so the source never exists whole);
 * - read: the same tensor back to float32 through readFloat32Range in 16M-element ranges into one
 *   reused buffer, and as raw bytes in one readRaw;
 * - header: opening a file with 100,000 tensors (a large MoE shard has ~10⁴).
 * Prints MB/s (of file bytes) and peak RSS. The file cache is warm for all three (the same file
 * was just written); compare the figures with each other, not with disk specifications.
 * Env: BENCH_MB (file size, default 1024), BENCH_DIR (default the OS temp directory).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSafetensors, writeSafetensors } from '../../src/interop/safetensors/index.js';

const MB = Number(process.env.BENCH_MB ?? 1024);
const dir = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), 'moec-st-bench-'));
const CHUNK = 1 << 24;
const elements = Math.floor((MB * 1e6) / 2);
let peak = 0;
const sample = () => (peak = Math.max(peak, process.memoryUsage().rss));
const rate = (bytes: number, ms: number) => `${((bytes / 1e6) / (ms / 1000)).toFixed(0)} MB/s`;

/** One chunk of values, yielded again and again: producing data is not what is measured. */
const source = Float32Array.from({ length: CHUNK }, (_, i) => Math.sin(i) * 8);

function* values(): Generator<Float32Array> {
  for (let done = 0; done < elements; done += CHUNK) {
    sample();
    yield source.subarray(0, Math.min(CHUNK, elements - done));
  }
}

try {
  const path = join(dir, 'w.safetensors');
  let t = performance.now();
  const w = writeSafetensors(path, [{ name: 'w', dtype: 'BF16', shape: [elements], data: values }]);
  const writeMs = performance.now() - t;
  if (w.diagnostics.length) throw new Error(JSON.stringify(w.diagnostics));
  const bytes = statSync(path).size;

  t = performance.now();
  execFileSync('cp', [path, join(dir, 'copy.safetensors')]);
  const cpMs = performance.now() - t;

  const f = openSafetensors(path).value!;
  const into = new Float32Array(CHUNK);
  t = performance.now();
  for (let done = 0; done < elements; done += CHUNK) {
    const r = f.readFloat32Range('w', done, Math.min(CHUNK, elements - done), into);
    if (!r.value) throw new Error(JSON.stringify(r.diagnostics));
    sample();
  }
  const readMs = performance.now() - t;
  t = performance.now();
  const raw = f.readRaw('w').value!;
  sample();
  const rawMs = performance.now() - t;
  f.close();
  if (raw.length !== bytes - f.header.dataOffset) throw new Error('short raw read');

  const many = Array.from({ length: 100_000 }, (_, i) => ({ name: `model.layers.${i >> 8}.mlp.experts.${i & 255}.w`, dtype: 'BF16' as const, shape: [2], data: new Uint8Array(4) }));
  writeSafetensors(join(dir, 'many.safetensors'), many);
  t = performance.now();
  const opened = openSafetensors(join(dir, 'many.safetensors'));
  const headerMs = performance.now() - t;
  opened.value!.close();
  const headerBytes = opened.value!.header.dataOffset;

  console.log(`file: ${(bytes / 1e6).toFixed(0)} MB of BF16 (${elements} elements)`);
  console.log(`cp                          ${cpMs.toFixed(0).padStart(7)} ms  ${rate(bytes, cpMs)}`);
  console.log(`write f32→bf16 (streamed)   ${writeMs.toFixed(0).padStart(7)} ms  ${rate(bytes, writeMs)}  (${(writeMs / cpMs).toFixed(1)}× cp)`);
  console.log(`read bf16→f32 (ranges)      ${readMs.toFixed(0).padStart(7)} ms  ${rate(bytes, readMs)}  (${(readMs / cpMs).toFixed(1)}× cp)`);
  console.log(`read raw (one array)        ${rawMs.toFixed(0).padStart(7)} ms  ${rate(bytes, rawMs)}`);
  console.log(`open 100k-tensor header     ${headerMs.toFixed(0).padStart(7)} ms  ${rate(headerBytes, headerMs)} of header`);
  console.log(`peak RSS ${(peak / 1e6).toFixed(0)} MB (the raw read holds the whole tensor: ${(bytes / 1e6).toFixed(0)} MB)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
