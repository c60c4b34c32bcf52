/**
 * Training on several wasm threads: the same seed gives the same bytes on 1 and on 2 threads
 * (losses, gradient norms, weights, optimizer slots — XNNPACK splits a GEMM by output tiles,
 * so each element is one thread's dot product in the same order), and a run resumed on 2
 * threads reproduces the uninterrupted run bit for bit. The run log records the threads.
 * wasm, tiny spec narrowed to batch 2 × 32 tokens, grad_accum 2, 4 steps.
 */
import { readdirSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readManifest } from '../../src/checkpoint/index.js';
import { runTraining } from '../../src/train/loop.js';
import { readMetrics } from '../../src/train/metrics.js';
import { readRunLog } from '../../src/train/run-log.js';
import { buildTinyIR } from './tiny-model.js';

const root = mkdtempSync(join(tmpdir(), 'moec-threads-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const ir = await buildTinyIR((s) => Object.assign(s.train!, { batch: 2, seq_len: 32, grad_accum: 2, checkpoint_every: 2 }));
const common = { ir, specFile: 'specs/tiny.moe', backend: 'wasm' as const, progress: 'silent' as const, steps: 4 };

/** Every file of the run's latest checkpoint except its manifest (which records a time). */
function checkpointBytes(run: string): Map<string, Buffer> {
  const dir = readManifest(run).value!.dir;
  return new Map(readdirSync(dir).filter((f) => f !== 'manifest.json').map((f) => [f, readFileSync(join(dir, f))]));
}

function metricsOf(run: string): unknown[] {
  return readMetrics(join(run, 'metrics.jsonl')).map(({ step_s: _s, tokens_per_s: _t, ...m }) => m);
}

describe('training on wasm threads', () => {
  it('gives the same bytes on 1 and on 2 threads, and the run log says how many ran', async () => {
    const one = join(root, 'one');
    const two = join(root, 'two');
    expect((await runTraining({ ...common, outDir: one, threads: 1 })).status).toBe('completed');
    expect((await runTraining({ ...common, outDir: two, threads: 2 })).status).toBe('completed');
    expect(metricsOf(two)).toEqual(metricsOf(one));
    const a = checkpointBytes(one);
    const b = checkpointBytes(two);
    expect([...b.keys()]).toEqual([...a.keys()]);
    for (const [f, bytes] of a) expect(b.get(f)!.equals(bytes), f).toBe(true);
    expect(readRunLog(one)!.sessions[0]).toMatchObject({ backend: 'wasm', threads: 1, backendDetails: ['simd=true', 'threads=1'] });
    expect(readRunLog(two)!.sessions[0]).toMatchObject({ backend: 'wasm', threads: 2, backendDetails: ['simd=true', 'threads=2'] });
  });

  it('resumes bit for bit on 2 threads', async () => {
    const straight = join(root, 'straight');
    expect((await runTraining({ ...common, outDir: straight, threads: 2 })).status).toBe('completed');
    const split = join(root, 'split');
    const stop = new AbortController();
    const first = await runTraining({ ...common, outDir: split, threads: 2, signal: stop.signal, onStep: (m) => m.step === 2 && stop.abort() });
    expect(first.status).toBe('interrupted');
    expect((await runTraining({ ...common, outDir: split, threads: 2, resume: true })).status).toBe('completed');
    expect(metricsOf(split)).toEqual(metricsOf(straight));
    const a = checkpointBytes(straight);
    const b = checkpointBytes(split);
    for (const [f, bytes] of a) expect(b.get(f)!.equals(bytes), f).toBe(true);
  });
});
