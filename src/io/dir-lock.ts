/**
 * I/O — an exclusive lock on a directory (a training run: `moec train --out`), so two processes
 * never write one run: their metrics would interleave, their checkpoints mix, and one's
 * `--keep` could delete the other's checkpoint in progress.
 *
 * The lock is the file `<dir>/moec.lock`, created with O_CREAT|O_EXCL (atomic on every local
 * file system) and holding `{ pid, host, since, command }`. It is removed when the process
 * exits, however it exits short of SIGKILL. Stale locks (docs/security.md § Locks): a lock whose
 * host is this machine and whose pid no longer exists is taken over — moved aside by an atomic
 * rename, re-read to make sure it was the stale one, then deleted. A lock from another host,
 * or whose pid is alive (possibly reused by an unrelated process), is never broken: the
 * diagnostic names the file to delete by hand.
 */
import { closeSync, linkSync, mkdirSync, openSync, readdirSync, renameSync, rmdirSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { createDiagnostic, type Diagnostic } from '../diagnostics/diagnostic.js';
import { readRegularFile } from './read-file.js';
import { writeAllSync } from './write-file.js';

export const LOCK_FILE = 'moec.lock';

export interface LockOwner {
  pid: number;
  host: string;
  since: string;
  command?: string;
}

export interface DirLock {
  file: string;
  /** Remove the lock (and the directory, when this lock created it and nothing else is in it). */
  release(): void;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readOwner(file: string): { owner?: LockOwner; raw?: string } {
  const read = readRegularFile(file, 4096);
  if (!read.ok) return {};
  const raw = read.bytes.toString('utf8');
  try {
    const v = JSON.parse(raw) as LockOwner;
    if (Number.isSafeInteger(v.pid) && v.pid > 0 && typeof v.host === 'string') return { owner: v, raw };
  } catch {
    // A torn lock file (killed while writing it) has no owner.
  }
  return { raw };
}

function tryCreate(file: string, owner: LockOwner): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'wx', 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    writeAllSync(fd, Buffer.from(JSON.stringify(owner) + '\n'), 0);
  } finally {
    closeSync(fd);
  }
  return true;
}

/** Move a stale lock aside; false when someone else replaced it in the meantime (theirs is then put back). */
function takeOverStale(file: string, staleRaw: string): boolean {
  const aside = `${file}.stale-${process.pid}`;
  try {
    renameSync(file, aside);
  } catch {
    return true; // already gone: try to create ours
  }
  if (readOwner(aside).raw === staleRaw) {
    rmSync(aside, { force: true });
    return true;
  }
  // A live lock taken between our read and our rename: restore it unless a third one exists.
  try {
    linkSync(aside, file);
  } catch {
    // Another lock is in place: that owner wins.
  }
  rmSync(aside, { force: true });
  return false;
}

/**
 * Lock `dir` (created when missing). Returns the lock, or the diagnostics saying why not:
 * MOE9103 held by another process, MOE9105 cannot create the lock; MOE9104 (info) when a
 * stale lock was taken over.
 */
export function lockDirectory(dir: string, command = process.argv.slice(2).join(' ')): { lock?: DirLock; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const file = join(dir, LOCK_FILE);
  let created = false;
  try {
    created = mkdirSync(dir, { recursive: true }) !== undefined;
    const me: LockOwner = { pid: process.pid, host: hostname(), since: new Date().toISOString(), command: command.slice(0, 200) };
    for (let attempt = 0; attempt < 3; attempt++) {
      if (tryCreate(file, me)) return { lock: createRelease(file, dir, created, me), diagnostics };
      const { owner, raw } = readOwner(file);
      const stale = owner ? owner.host === me.host && !pidAlive(owner.pid) : raw === '';
      if (!stale) {
        const args = { path: dir, pid: owner?.pid ?? '?', host: owner?.host ?? '?', since: owner?.since ?? '?', lock: file };
        diagnostics.push(createDiagnostic('MOE9103', { args }));
        return { diagnostics };
      }
      if (takeOverStale(file, raw ?? '') && owner) {
        diagnostics.push(createDiagnostic('MOE9104', { args: { pid: owner.pid, host: owner.host, since: owner.since } }));
      }
    }
    diagnostics.push(createDiagnostic('MOE9105', { args: { path: dir, reason: 'the lock kept changing hands' } }));
  } catch (err) {
    diagnostics.push(createDiagnostic('MOE9105', { args: { path: dir, reason: (err as Error).message } }));
  }
  if (created) removeIfEmpty(dir);
  return { diagnostics };
}

function removeIfEmpty(dir: string): void {
  try {
    if (readdirSync(dir).length === 0) rmdirSync(dir);
  } catch {
    // Not empty or already gone: leave it.
  }
}

function createRelease(file: string, dir: string, created: boolean, me: LockOwner): DirLock {
  let held = true;
  const release = (): void => {
    if (!held) return;
    held = false;
    process.off('exit', release);
    // Only our own lock: never one a user replaced after deleting ours.
    if (readOwner(file).owner?.pid === me.pid) rmSync(file, { force: true });
    if (created) removeIfEmpty(dir);
  };
  // Exit handlers run on normal exit, process.exit() (the second Ctrl-C) and uncaught errors.
  process.on('exit', release);
  return { file, release };
}
