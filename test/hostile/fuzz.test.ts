/**
 * Hostile input — the mutation fuzzer (issue 13): 10,000 mutants per run (FUZZ_MUTANTS to
 * change it) of every shipped spec in its .moe, .moe.json and .moe.yaml forms, each through the
 * whole `moec check` pipeline in process, in worker threads with a per-mutant deadline: a
 * mutant that keeps a worker on one index for MUTANT_DEADLINE_MS is a hang, reported with the
 * seed and index that reproduce it (FUZZ_SEED=<seed> FUZZ_ONLY=<index>). Properties (see
 * fuzz/check-mutant.ts): no crash, no diagnostic without a span, known codes, filled messages.
 * Prints mutants per second; docs/security.md records the measured cost.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { expect, test } from 'vitest';
import { loadCorpus } from './fuzz/corpus.js';
import { mutant } from './fuzz/mutate.js';

const MUTANTS = Number(process.env.FUZZ_MUTANTS ?? 10_000);
const RUN_SEED = Number(process.env.FUZZ_SEED ?? 20261128);
const ONLY = process.env.FUZZ_ONLY === undefined ? undefined : Number(process.env.FUZZ_ONLY);
/** A mutant takes milliseconds; the slowest valid ones (400k tensors and the memory-fit hint search) take ~4 s on a loaded 2-core machine. */
const MUTANT_DEADLINE_MS = Number(process.env.FUZZ_DEADLINE_MS ?? 20_000);

interface Done {
  id: number;
  count: number;
  valid: number;
  diagnostics: number;
  failures: { index: number; seed: string; ops: string[]; problems: string[] }[];
  ms: number;
}

async function runFuzz(): Promise<{ done: Done[]; hang?: string; seconds: number }> {
  const [first, last] = ONLY !== undefined ? [ONLY, ONLY + 1] : [0, MUTANTS];
  const workers = Math.max(1, Math.min(4, availableParallelism(), last - first));
  const progress = new SharedArrayBuffer(8 * workers);
  const shared = new Int32Array(progress);
  const per = Math.ceil((last - first) / workers);
  const began = performance.now();
  const threads = Array.from({ length: workers }, (_, id) => {
    const start = first + id * per;
    const end = Math.min(last, start + per);
    // A larger young generation: the mutants allocate many short-lived strings (−15 % time).
    return new Worker(new URL('./fuzz/fuzz-worker.mjs', import.meta.url), {
      workerData: { id, start, end, runSeed: RUN_SEED, progress },
      resourceLimits: { maxYoungGenerationSizeMb: 64 },
    });
  });
  const done: Done[] = [];
  let hang: string | undefined;
  await new Promise<void>((resolve, reject) => {
    const seen = threads.map(() => ({ index: -1, since: performance.now() }));
    const timer = setInterval(() => {
      threads.forEach((w, id) => {
        if (done.some((d) => d.id === id) || Atomics.load(shared, 2 * id + 1) === 0) return;
        const index = Atomics.load(shared, 2 * id);
        if (index !== seen[id]!.index) seen[id] = { index, since: performance.now() };
        else if (performance.now() - seen[id]!.since > MUTANT_DEADLINE_MS && !hang) {
          const m = mutant(loadCorpus(), RUN_SEED, index);
          hang = `mutant ${index} (FUZZ_SEED=${RUN_SEED} FUZZ_ONLY=${index}) of ${m.seed.name} ${m.seed.format} ran past ${MUTANT_DEADLINE_MS} ms: ${m.ops.join('; ')}`;
          for (const t of threads) void t.terminate();
          clearInterval(timer);
          resolve();
        }
      });
    }, 100);
    for (const w of threads) {
      w.on('message', (d: Done) => {
        done.push(d);
        if (done.length === threads.length) {
          clearInterval(timer);
          resolve();
        }
      });
      w.on('error', (err) => {
        clearInterval(timer);
        for (const t of threads) void t.terminate();
        reject(err);
      });
    }
  });
  return { done, hang, seconds: (performance.now() - began) / 1000 };
}

test(`${MUTANTS} mutants of the shipped specs (.moe, JSON, YAML): no crash, no hang, every diagnostic with a span`, async () => {
  const { done, hang, seconds } = await runFuzz();
  expect(hang).toBeUndefined();
  const count = done.reduce((n, d) => n + d.count, 0);
  const valid = done.reduce((n, d) => n + d.valid, 0);
  const failures = done.flatMap((d) => d.failures);
  process.stdout.write(
    `fuzz: ${count} mutants in ${seconds.toFixed(1)} s (${Math.round(count / seconds)}/s on ${done.length} worker(s)); ` +
      `${valid} came through valid; seed ${RUN_SEED}\n`,
  );
  expect(failures, JSON.stringify(failures, null, 2)).toEqual([]);
  expect(count).toBe(ONLY !== undefined ? 1 : MUTANTS);
}, 600_000);
