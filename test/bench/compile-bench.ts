/**
 * `npm run bench:compile`: compiling a checkpoint larger than a few GB — time, throughput against
 * `cp` of the same bytes, and peak RSS against the largest tensor. Prints figures; asserts nothing.
 *
 * 1. Builds once, and keeps, a synthetic Hugging Face checkpoint: a Mixtral-layout MoE of 2.2 B
 *    parameters in BF16 (4.4 GB, 3 shards), under $MOEC_BENCH_CACHE, else
 *    $XDG_CACHE_HOME/moec-bench, else ~/.cache/moec-bench (outside the repository).
 * 2. From a cold file cache each time: `cp -r` of the checkpoint; the fp32 compile (external
 *    data, 8.9 GB); `cp -r` of the fp32 output (the same bytes the compile wrote); the
 *    `--quantize int4` compile (BENCH_QUANT overrides the scheme); then the seeded fp32 compile
 *    of the same spec (no checkpoint: generation against the writer; BENCH_SEEDED=0 skips it).
 *    Compiles run in a child
 *    process each (test/bench/compile-bench-child.ts), whose peak RSS is its own getrusage.
 *    The cache is dropped with `echo 1 > /proc/sys/vm/drop_caches` when writable (root), else
 *    each file to be read is evicted with `dd iflag=nocache count=0` (posix_fadvise DONTNEED);
 *    the report says which. Everything written outside the cache is removed at the end.
 * Targets (issue 14): fp32 export ≥ 30 % of cp's MB/s; peak RSS ≤ 2 × largest tensor + 300 MB.
 * The machine's load average is printed before and after: on a shared machine it is the noise.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import type { Diagnostic } from '../../src/diagnostics/diagnostic.js';
import { buildIR } from '../../src/ir/build-ir.js';
import type { ModelSpec } from '../../src/spec/types.js';
import { writeSyntheticCheckpoint } from './synthetic-checkpoint.js';

/** Mixtral-shaped: 14 layers × 16 experts (ffn 1408), GQA 16/4, vocab 32000: 2.22 B parameters. */
const SPEC: ModelSpec = {
  name: 'bench-mixtral-2b',
  vocab: 32000,
  hidden: 2048,
  layers: 14,
  context: 4096,
  norm: { type: 'rmsnorm', eps: 1e-5 },
  attention: { heads: 16, kv_heads: 4, head_dim: 128, rope: { theta: 1e6 } },
  moe: { experts: { count: 16, ffn: 1408, activation: 'swiglu' }, router: { top_k: 2, score: 'softmax', norm_topk: true } },
};
const QUANT = process.env.BENCH_QUANT ?? 'int4';
const CACHE = process.env.MOEC_BENCH_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'moec-bench');
const CLI = fileURLToPath(new URL('../../dist/cli/bin.js', import.meta.url));
const PEAK = fileURLToPath(new URL('../tools/record-peak-rss.mjs', import.meta.url));

const MB = 1e6;
const gb = (n: number) => `${(n / 1e9).toFixed(2)} GB`;
const mb = (n: number) => `${(n / MB).toFixed(0)} MB`;
const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));
}
const bytesUnder = (dir: string) => filesUnder(dir).reduce((s, f) => s + statSync(f).size, 0);

/** Empty the page cache (or evict `paths`' pages); returns how. */
function dropCaches(paths: string[]): string {
  execFileSync('sync');
  try {
    writeFileSync('/proc/sys/vm/drop_caches', '1');
    return 'echo 1 > /proc/sys/vm/drop_caches';
  } catch {
    for (const p of paths.flatMap((d) => (statSync(d).isDirectory() ? filesUnder(d) : [d]))) execFileSync('dd', [`if=${p}`, 'iflag=nocache', 'count=0', 'status=none']);
    return 'dd iflag=nocache count=0 on each input file (posix_fadvise DONTNEED)';
  }
}

function timeCp(from: string, to: string): number {
  const t0 = performance.now();
  execFileSync('cp', ['-r', from, to]);
  execFileSync('sync');
  return (performance.now() - t0) / 1000;
}

interface ChildReport {
  seconds: number;
  bytes: number;
  shards: number;
  maxRss: number;
  ms: { weights: number; emit: number; write: number };
}

/** `moec compile` as a user runs it; `checkpoint` undefined: seeded weights. */
function compile(spec: string, checkpoint: string | undefined, out: string, quant?: string): ChildReport {
  const peakFile = `${out}.peak-rss`;
  const args = ['--import', PEAK, CLI, 'compile', spec, ...(checkpoint ? ['--weights', checkpoint] : []), '-o', out, '--external-data', ...(quant ? ['--quantize', quant] : []), '--format', 'json'];
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 26, env: { ...process.env, MOEC_PEAK_RSS_FILE: peakFile } });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`moec compile exited ${r.status}:\n${r.stdout.slice(0, 4000)}${r.stderr.slice(0, 4000)}`);
  const result = (JSON.parse(r.stdout) as { result: { model: { totalBytes: number; data: unknown[] }; timings?: unknown; ms?: ChildReport['ms'] } }).result;
  const maxRss = Number(readFileSync(peakFile, 'utf8'));
  return { seconds, bytes: result.model.totalBytes, shards: result.model.data.length, maxRss, ms: result.ms ?? { weights: NaN, emit: NaN, write: NaN } };
}

const ir = buildIR(SPEC).value;
const sizes = ir.tensors.map((t) => t.shape.reduce((a, b) => a * b, 1));
const params = sizes.reduce((a, b) => a + b, 0);
const largest = Math.max(...sizes);
const key = createHash('sha256').update(JSON.stringify({ SPEC, generator: 1 })).digest('hex').slice(0, 12);
const checkpoint = join(CACHE, `hf-mixtral-${key}`);

console.log(`bench:compile — ${SPEC.name}: ${(params / 1e9).toFixed(2)} B parameters; node ${process.version}; load average ${load()}`);
if (!existsSync(join(checkpoint, 'DONE'))) {
  console.log(`building the synthetic checkpoint once in ${checkpoint} …`);
  rmSync(checkpoint, { recursive: true, force: true });
  mkdirSync(checkpoint, { recursive: true });
  const t0 = performance.now();
  const w = writeSyntheticCheckpoint(checkpoint, SPEC, ir);
  if (w.diagnostics.some((d: Diagnostic) => d.severity === 'error')) throw new Error(w.diagnostics.map((d: Diagnostic) => d.message).join('\n'));
  writeFileSync(join(checkpoint, 'DONE'), '');
  console.log(`  written in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
const inputBytes = bytesUnder(checkpoint) - statSync(join(checkpoint, 'DONE')).size;
console.log(`checkpoint ${checkpoint}: ${gb(inputBytes)} BF16 in ${filesUnder(checkpoint).filter((f) => f.endsWith('.safetensors')).length} shards`);

const work = mkdtempSync(join(tmpdir(), 'moec-bench-compile-'));
const specFile = join(work, 'bench.moe.json');
writeFileSync(specFile, JSON.stringify(SPEC));
try {
  let how = dropCaches([checkpoint]);
  const cpIn = timeCp(checkpoint, join(work, 'cp-in'));
  rmSync(join(work, 'cp-in'), { recursive: true, force: true });

  dropCaches([checkpoint]);
  const loadFp32 = load();
  const fp32 = compile(specFile, checkpoint, join(work, 'fp32', 'model.onnx'));
  how = dropCaches([join(work, 'fp32')]);
  const cpOut = timeCp(join(work, 'fp32'), join(work, 'cp-out'));
  rmSync(join(work, 'cp-out'), { recursive: true, force: true });
  rmSync(join(work, 'fp32'), { recursive: true, force: true });

  dropCaches([checkpoint]);
  const loadQ = load();
  const q = compile(specFile, checkpoint, join(work, 'q', 'model.onnx'), QUANT);
  rmSync(join(work, 'q'), { recursive: true, force: true });

  // The seeded initializer feeding the same writer: generation against writing.
  const loadSeeded = load();
  const seeded = process.env.BENCH_SEEDED === '0' ? undefined : compile(specFile, undefined, join(work, 'seeded', 'model.onnx'));
  rmSync(join(work, 'seeded'), { recursive: true, force: true });

  const idleFile = join(work, 'idle.peak-rss');
  spawnSync(process.execPath, ['--import', PEAK, CLI, '--version'], { env: { ...process.env, MOEC_PEAK_RSS_FILE: idleFile } });
  const idle = Number(readFileSync(idleFile, 'utf8'));
  const cpOutRate = fp32.bytes / cpOut / MB;
  const target = 2 * 4 * largest + 300 * MB;
  console.log(`file cache dropped before each step with: ${how}`);
  console.log(`largest tensor: ${largest.toLocaleString('en-US')} values = ${mb(4 * largest)} as float32 (${mb(2 * largest)} as BF16)`);
  console.log(`cp -r checkpoint (${gb(inputBytes)})       ${cpIn.toFixed(1)} s   ${(inputBytes / cpIn / MB).toFixed(0)} MB/s`);
  console.log(`cp -r fp32 output (${gb(fp32.bytes)})      ${cpOut.toFixed(1)} s   ${cpOutRate.toFixed(0)} MB/s`);
  for (const [label, r, l] of [['fp32', fp32, loadFp32], [QUANT, q, loadQ]] as const) {
    const rate = r.bytes / r.seconds / MB;
    console.log(
      `compile ${label.padEnd(5)} → ${gb(r.bytes)} (${r.shards} shards)  ${r.seconds.toFixed(1)} s  ${rate.toFixed(0)} MB/s written` +
        ` (${((100 * rate) / cpOutRate).toFixed(0)} % of cp), ${(inputBytes / r.seconds / MB).toFixed(0)} MB/s read;` +
        ` peak RSS ${mb(r.maxRss)} = ${(r.maxRss / (4 * largest)).toFixed(2)} × largest fp32 tensor` +
        ` (target ≤ ${mb(target)}: ${r.maxRss <= target ? 'met' : 'MISSED'}; ≤ 2 × BF16 + 300 MB = ${mb(2 * 2 * largest + 300 * MB)}: ${r.maxRss <= 4 * largest + 300 * MB ? 'met' : 'missed'})` +
        `; reading ${(r.ms.weights / 1000).toFixed(1)} s, converting + writing ${(r.ms.write / 1000).toFixed(1)} s; load before ${l}`,
    );
  }
  console.log(`fp32 target ≥ 30 % of cp: ${fp32.bytes / fp32.seconds / MB >= 0.3 * cpOutRate ? 'met' : 'MISSED'}`);
  if (seeded) {
    console.log(
      `seeded fp32 (no checkpoint) → ${gb(seeded.bytes)}  ${seeded.seconds.toFixed(1)} s  ${(seeded.bytes / seeded.seconds / MB).toFixed(0)} MB/s; ` +
        `generating ${(seeded.ms.weights / 1000).toFixed(1)} s = ${(seeded.bytes / (seeded.ms.weights / 1000) / MB).toFixed(0)} MB/s of float32 on ${process.env.MOEC_THREADS ?? 'all'} threads, ` +
        `writing ${(seeded.ms.write / 1000).toFixed(1)} s = ${(seeded.bytes / (seeded.ms.write / 1000) / MB).toFixed(0)} MB/s; peak RSS ${mb(seeded.maxRss)}; load before ${loadSeeded}`,
    );
  }
  console.log(`\`moec --version\`: ${mb(idle)} peak RSS (Node and the CLI; included above); load average now ${load()}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
