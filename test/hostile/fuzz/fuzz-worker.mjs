// Hostile-input fuzzer — worker thread. Checks mutants [start, end) of the run and records the
// index it is on in a shared array (slot 2·id: index, slot 2·id + 1: 1 while busy), so the
// parent can tell a hang (the index stops moving) and terminate it: the per-mutant deadline.
// Plain .mjs that registers tsx, because worker threads do not inherit vitest's transform.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
// Mutants raise thousands of parse errors: skip capturing their stacks (a failure is rerun with
// FUZZ_ONLY=<index>, which keeps them).
if (workerData.end - workerData.start > 1) Error.stackTraceLimit = 0;
const { loadCorpus } = await import('./corpus.ts');
const { mutant } = await import('./mutate.ts');
const { checkMutant } = await import('./check-mutant.ts');

const { id, start, end, runSeed, progress } = workerData;
const shared = new Int32Array(progress);
const corpus = loadCorpus();
// tmpfs where there is one: a mutant is written and read back each time (3 ms on a disk, 60 µs in memory).
const dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), `moec-fuzz-${id}-`));
const failures = [];
let valid = 0;
let diagnostics = 0;
const began = performance.now();
try {
  for (let i = start; i < end; i++) {
    Atomics.store(shared, 2 * id, i);
    Atomics.store(shared, 2 * id + 1, 1);
    const m = mutant(corpus, runSeed, i);
    const r = checkMutant(m, dir);
    if (r.valid) valid++;
    diagnostics += r.diagnostics;
    if (r.problems.length && failures.length < 5) failures.push({ index: i, seed: `${m.seed.name}${m.seed.format === '.moe' ? '' : ` (${m.seed.format})`}`, ops: m.ops, problems: r.problems.slice(0, 3) });
  }
} finally {
  Atomics.store(shared, 2 * id + 1, 0);
  rmSync(dir, { recursive: true, force: true });
}
parentPort.postMessage({ id, count: end - start, valid, diagnostics, failures, ms: performance.now() - began });
