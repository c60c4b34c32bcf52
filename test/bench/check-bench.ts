/**
 * `npm run bench`: how fast `moec check` is.
 *  1. In-process throughput: every spec under specs/ through checkFiles (parse, schema,
 *     semantic rules, IR, memory fit), many iterations, as files/s and MB/s.
 *  2. CLI cold start: `node dist/cli/bin.js check specs/tiny.moe` against `node -e 0`,
 *     alternating runs in the same session so machine noise hits both alike; medians and ratio.
 * Needs `npm run build` first (the npm script does it).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { glob } from 'tinyglobby';
import { checkFiles } from '../../src/cli/check/check-files.js';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function throughput(): Promise<void> {
  const files = (await glob('specs/**/*.{moe,moe.json,moe.yaml}')).sort();
  const bytes = files.reduce((n, f) => n + statSync(f).size, 0);
  checkFiles(files); // warm up: JIT, lazily built parser
  const iterations = Number(process.env.ITERATIONS ?? 200);
  const t0 = performance.now();
  for (let i = 0; i < iterations; i++) checkFiles(files, {}, new Map([...files].map((f) => [f, readFileSync(f, 'utf8')])));
  const seconds = (performance.now() - t0) / 1000;
  const n = files.length * iterations;
  console.log(`in-process check: ${files.length} specs (${(bytes / 1024).toFixed(1)} KiB) × ${iterations} iterations`);
  console.log(`  ${(n / seconds).toFixed(0)} files/s, ${((bytes * iterations) / seconds / 1e6).toFixed(2)} MB/s, ${((seconds / n) * 1000).toFixed(2)} ms/file`);
}

function time(args: string[]): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}:\n${r.stdout}${r.stderr}`);
  return performance.now() - t0;
}

function coldStart(): void {
  const runs = Number(process.env.RUNS ?? 20);
  const cli = ['dist/cli/bin.js', 'check', 'specs/tiny.moe'];
  const bare = ['-e', '0'];
  time(cli);
  time(bare); // warm the file cache
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < runs; i++) {
    a.push(time(cli));
    b.push(time(bare));
  }
  const ma = median(a);
  const mb = median(b);
  console.log(`cold start, median of ${runs} alternating runs:`);
  console.log(`  moec check specs/tiny.moe  ${ma.toFixed(1)} ms`);
  console.log(`  node -e 0                  ${mb.toFixed(1)} ms`);
  console.log(`  ratio                      ${(ma / mb).toFixed(2)}× (target ≤ 3×)`);
}

await throughput();
coldStart();
