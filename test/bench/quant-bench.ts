/**
 * Benchmark (npm run bench:quant): what each export precision costs, measured on one trained
 * model in one run. Trains specs/tiny.moe in fp32 on two of the shipped texts (or reuses that
 * run, cached in .tmp/bench-quant/ by spec hash and step count), exports it once per scheme with
 * `moec compile --weights … --quantize <scheme>`, and prints side by side: file size, median
 * latency of one forward over a 64-byte window (onnxruntime, 1 thread) and the mean next-byte
 * loss on held-out text (the third shipped text, never trained on), with its change against fp32.
 * Env: BENCH_STEPS (default 200), BENCH_WINDOWS (held-out windows, default 64).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { heldoutLoss } from '../tools/heldout-loss.js';

const BIN = resolve('dist/cli/bin.js');
const SPEC = 'specs/tiny.moe';
const TRAIN = ['specs/data/alice-chapters-1-2.txt', 'specs/data/pride-and-prejudice-chapters-1-3.txt'];
const HELD_OUT = 'specs/data/declaration-and-gettysburg.txt';
const STEPS = Number(process.env.BENCH_STEPS ?? 200);
const WINDOWS = Number(process.env.BENCH_WINDOWS ?? 64);
const DIR = resolve('.tmp/bench-quant');
const SCHEMES = ['fp32', 'fp16', 'bf16', 'int8-tensor', 'int8-channel', 'int8-block32', 'int4-channel', 'int4-block32', 'int4-block64', 'experts=int4-block32', 'experts=int4-block32,attention=int8-channel'];

const moec = (args: string[]) => execFileSync(process.execPath, [BIN, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

function trainedRun(): string {
  if (!existsSync(BIN)) throw new Error('build first: npm run build');
  const key = `${readFileSync(SPEC, 'utf8').length}:${STEPS}:${TRAIN.join(',')}`;
  const run = join(DIR, 'run');
  const stamp = join(DIR, 'run.key');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === key && existsSync(join(run, 'latest'))) {
    console.log(`reusing the trained run in ${run}`);
    return run;
  }
  rmSync(DIR, { recursive: true, force: true });
  mkdirSync(DIR, { recursive: true });
  console.log(`training ${SPEC} for ${STEPS} steps (fp32) …`);
  moec(['train', SPEC, '--steps', String(STEPS), '--out', run, '--data', ...TRAIN, '--progress', 'none']);
  writeFileSync(stamp, key);
  return run;
}

const run = trainedRun();
const rows: string[][] = [];
let base = 0;
for (const scheme of SCHEMES) {
  const out = join(DIR, `${scheme.replace(/[=,]/g, '_')}.onnx`);
  moec(['compile', SPEC, '-o', out, '--weights', run, '--quantize', scheme]);
  const r = await heldoutLoss(out, HELD_OUT, 64, WINDOWS);
  if (scheme === 'fp32') base = r.loss;
  rows.push([scheme, `${(statSync(out).size / 2 ** 20).toFixed(2)} MiB`, `${r.msPerForward.toFixed(2)} ms`, r.loss.toFixed(4), `${(((r.loss - base) / base) * 100).toFixed(3)} %`]);
}
const head = ['--quantize', 'size', 'forward (T=64)', `held-out loss (${rows.length ? WINDOWS * 64 : 0} bytes)`, 'vs fp32'];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
console.log(`\n${SPEC} trained ${STEPS} steps in fp32; loss in nats per byte on ${HELD_OUT}\n`);
console.log(line(head));
for (const r of rows) console.log(line(r));
