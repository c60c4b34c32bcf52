/**
 * Benchmark: wall time of `moec explain --format json` on each shipped spec (the built CLI in a
 * child process, cold start included), median of 5 runs. Prints figures; asserts nothing.
 * Run: npm run build && node --import tsx test/bench/explain.ts
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';

const runs = 5;
for (const file of readdirSync('specs').filter((f) => f.endsWith('.moe')).sort()) {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const r = spawnSync(process.execPath, ['dist/cli/bin.js', 'explain', `specs/${file}`, '--format', 'json'], { encoding: 'utf8' });
    times.push(performance.now() - t);
    if (r.status !== 0 && r.status !== 1) throw new Error(`explain ${file} exited ${r.status}: ${r.stderr}`);
  }
  times.sort((a, b) => a - b);
  console.log(`${file.padEnd(28)} median ${times[runs >> 1].toFixed(0)} ms  (min ${times[0].toFixed(0)}, max ${times[runs - 1].toFixed(0)})`);
}
