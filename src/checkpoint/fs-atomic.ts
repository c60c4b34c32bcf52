/**
 * Checkpoint I/O — durable writes: write a file and fsync it, fsync a directory so a rename
 * inside it survives a power cut, and replace a file by rename. POSIX rename is atomic, so a
 * reader sees the old or the new file, never a half-written one.
 */
import { closeSync, fsyncSync, openSync, renameSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export function writeFileDurable(path: string, text: string | Uint8Array): void {
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, typeof text === 'string' ? Buffer.from(text, 'utf8') : text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** fsync a directory (persists renames and new entries). Not supported on Windows: skipped there. */
export function fsyncDir(dir: string): void {
  if (process.platform === 'win32') return;
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Replace `path` atomically: write a sibling temp file, fsync, rename over, fsync the directory. */
export function replaceFileAtomic(path: string, text: string): void {
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}`);
  writeFileDurable(tmp, text);
  renameSync(tmp, path);
  fsyncDir(dirname(path));
}
