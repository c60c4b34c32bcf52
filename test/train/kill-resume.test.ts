/**
 * A `moec train` child process is killed with SIGKILL in the middle of training; `--resume`
 * continues from the last checkpoint, losing at most checkpoint_every steps, and redoes the
 * lost steps exactly as the killed process ran them (data position and RNG restored).
 * wasm backend on its default threads (every available core, so threaded on a multi-core
 * machine), batch 4 × 32 tokens, checkpoint every 3 steps, 9 steps. SIGINT and SIGTERM: the
 * step in flight finishes, is checkpointed, and the process exits 130 with its threads.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readManifest } from '../../src/checkpoint/index.js';
import { availableWasmThreads } from '../../src/lower/tfjs/wasm-threads.js';
import { readMetrics } from '../../src/train/metrics.js';
import { tinySpec } from './tiny-model.js';

const root = mkdtempSync(join(tmpdir(), 'moec-kill-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const EVERY = 3;

function moec(args: string[]): { child: ReturnType<typeof spawn>; done: Promise<{ code: number | null; signal: string | null; stderr: string }> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/bin.ts', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += String(d)));
  child.stdout!.resume();
  const done = new Promise<{ code: number | null; signal: string | null; stderr: string }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stderr })),
  );
  return { child, done };
}

describe('kill and resume', () => {
  it('loses at most checkpoint_every steps and redoes them identically', async () => {
    const spec = await tinySpec();
    Object.assign(spec.train!, { batch: 4, seq_len: 32 });
    const specFile = join(root, 'tiny.moe.json');
    writeFileSync(specFile, JSON.stringify(spec));
    const run = join(root, 'run');
    const args = [specFile, '--steps', '9', '--checkpoint-every', String(EVERY), '--backend', 'wasm', '--progress', 'plain', '--out', run];

    const first = moec(['train', ...args]);
    const metricsFile = join(run, 'metrics.jsonl');
    // Kill once 4 steps are logged: past the checkpoint at 3, before the one at 6.
    await new Promise<void>((resolve, reject) => {
      const poll = setInterval(() => {
        if (existsSync(metricsFile) && readMetrics(metricsFile).length >= 4) {
          clearInterval(poll);
          first.child.kill('SIGKILL');
          resolve();
        }
      }, 20);
      first.done.then((r) => {
        clearInterval(poll);
        reject(new Error(`child exited before the kill: ${r.code} ${r.stderr}`));
      });
    });
    const killed = await first.done;
    expect(killed.signal).toBe('SIGKILL');
    const before = readMetrics(metricsFile);
    const ckpt = readManifest(run).value!.manifest.step;
    expect(ckpt % EVERY).toBe(0);
    expect(before.length - ckpt).toBeLessThanOrEqual(EVERY);

    const resumed = moec(['train', '--resume', run, '--progress', 'plain']);
    const r = await resumed.done;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`resuming at step ${ckpt}`);
    const after = readMetrics(metricsFile);
    expect(after.map((m) => m.step)).toEqual(Array.from({ length: 9 }, (_, i) => i + 1));
    // Steps the killed process finished after its last checkpoint are redone bit for bit.
    for (const m of before) expect(after[m.step - 1]!.loss, `step ${m.step}`).toBe(m.loss);
    expect(readFileSync(join(run, 'latest'), 'utf8').trim()).toBe('checkpoints/step-000009');
    const log = JSON.parse(readFileSync(join(run, 'run.json'), 'utf8'));
    expect(log.sessions.map((s: { fromStep: number }) => s.fromStep)).toEqual([0, ckpt]);
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) it(`on ${signal} finishes the step, checkpoints it and exits 130`, async () => {
    const spec = await tinySpec();
    Object.assign(spec.train!, { batch: 4, seq_len: 32 });
    const specFile = join(root, `tiny-${signal}.moe.json`);
    writeFileSync(specFile, JSON.stringify(spec));
    const run = join(root, `run-${signal}`);
    const child = moec(['train', specFile, '--steps', '200', '--checkpoint-every', '100', '--backend', 'wasm', '--progress', 'plain', '--out', run]);
    const metricsFile = join(run, 'metrics.jsonl');
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (existsSync(metricsFile) && readMetrics(metricsFile).length >= 2) {
          clearInterval(poll);
          child.child.kill(signal);
          resolve();
        }
      }, 20);
    });
    const r = await child.done;
    expect(r.code, r.stderr).toBe(130);
    const steps = readMetrics(metricsFile).length;
    expect(steps).toBeLessThan(200);
    expect(readManifest(run).value!.manifest.step).toBe(steps);
    expect(r.stderr).toContain('info MOE6532');
    expect(r.stderr).toContain(`moec train --resume ${run}`);
    expect(JSON.parse(readFileSync(join(run, 'run.json'), 'utf8')).sessions[0].threads).toBe(availableWasmThreads());
  });
});
