/**
 * Hostile input, class 3 — concurrency: one training run per directory. The lock
 * (src/io/dir-lock.ts) in process — exclusive, released, stale locks of dead processes taken
 * over, live or foreign locks never broken — and end to end: a second `moec train` on the same
 * --out is refused while the first runs, and after the first is SIGKILLed the run resumes.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { LOCK_FILE, lockDirectory } from '../../src/io/dir-lock.js';
import { BIN, HAS_BIN, moec, removeTempDirs, tempDir } from './harness.js';

afterAll(removeTempDirs);

/** The pid of a process that has exited (so no process has it, for a while). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

describe('class 3: the run-directory lock', () => {
  test('is exclusive, and released', () => {
    const dir = join(tempDir(), 'run');
    const first = lockDirectory(dir);
    expect(first.lock).toBeDefined();
    const owner = JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8'));
    expect(owner).toMatchObject({ pid: process.pid, host: hostname() });
    const second = lockDirectory(dir);
    expect(second.lock).toBeUndefined();
    expect(second.diagnostics.map((d) => d.code)).toEqual(['MOE9103']);
    expect(second.diagnostics[0]!.message).toContain(`pid ${process.pid}`);
    first.lock!.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    const third = lockDirectory(dir);
    expect(third.lock).toBeDefined();
    third.lock!.release();
  });

  test('a stale lock (dead pid, this host) is taken over with MOE9104; a torn one too', () => {
    const dir = tempDir();
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: deadPid(), host: hostname(), since: '2020-01-01T00:00:00Z' }));
    const taken = lockDirectory(dir);
    expect(taken.lock).toBeDefined();
    expect(taken.diagnostics.map((d) => d.code)).toEqual(['MOE9104']);
    taken.lock!.release();
    writeFileSync(join(dir, LOCK_FILE), '');
    const torn = lockDirectory(dir);
    expect(torn.lock).toBeDefined();
    torn.lock!.release();
  });

  test('a lock of another host, or of a live process, is never broken', () => {
    const dir = tempDir();
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: deadPid(), host: `not-${hostname()}`, since: '2020-01-01T00:00:00Z' }));
    const foreign = lockDirectory(dir);
    expect(foreign.lock).toBeUndefined();
    expect(foreign.diagnostics[0]!.code).toBe('MOE9103');
    expect(foreign.diagnostics[0]!.hint).toContain(join(dir, LOCK_FILE));
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: process.ppid, host: hostname(), since: '2020-01-01T00:00:00Z' }));
    expect(lockDirectory(dir).lock).toBeUndefined();
  });

  test('a directory created for the lock is removed again when nothing was written', () => {
    const dir = join(tempDir(), 'fresh');
    lockDirectory(dir).lock!.release();
    expect(existsSync(dir)).toBe(false);
  });
});

describe.skipIf(!HAS_BIN || process.platform === 'win32')('class 3: two moec train on one --out', () => {
  test('the second is refused while the first runs; after a SIGKILL the run resumes', async () => {
    const dir = tempDir();
    const out = join(dir, 'run');
    const first = spawn(process.execPath, [BIN, 'train', 'specs/tiny.moe', '--steps', '100000', '--checkpoint-every', '2', '--out', out, '--progress', 'none'], { stdio: 'ignore' });
    try {
      // Wait (bounded) for its first checkpoint: the lock is held from the start.
      const deadline = Date.now() + 90_000;
      while (!existsSync(join(out, 'latest')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      expect(existsSync(join(out, 'latest'))).toBe(true);
      const second = moec(['train', 'specs/tiny.moe', '--steps', '3', '--out', out, '--progress', 'none'], { limitS: 90 });
      expect(second.code).toBe(1);
      expect(second.stderr).toContain('MOE9103');
      const resumeWhileRunning = moec(['train', '--resume', out, '--progress', 'none'], { limitS: 90 });
      expect(resumeWhileRunning.code).toBe(1);
      expect(resumeWhileRunning.stderr).toContain('MOE9103');
    } finally {
      first.kill('SIGKILL');
      await new Promise((r) => first.once('exit', r));
    }
    const step = Number(/step-(\d+)/.exec(readFileSync(join(out, 'latest'), 'utf8'))![1]);
    const resumed = moec(['train', '--resume', out, '--steps', String(step + 1), '--progress', 'none'], { limitS: 120 });
    expect(resumed.stderr).toContain('MOE9104');
    expect(resumed.code).toBe(0);
    expect(existsSync(join(out, LOCK_FILE))).toBe(false);
  }, 300_000);
});
