/**
 * Checkpoint I/O — durable writes: write a file completely and fsync it, fsync a directory so
 * a rename inside it survives a power cut, and replace a file by rename. POSIX rename is
 * atomic, so a reader sees the old or the new file, never a half-written one. Thin names over
 * src/io/write-file.ts, which checks every write's byte count.
 */
import { closeSync, fsyncSync, openSync } from 'node:fs';
import { fsyncDirSync, writeAllSync, writeFileAtomicSync } from '../io/write-file.js';

export function writeFileDurable(path: string, text: string | Uint8Array): void {
  const fd = openSync(path, 'w');
  try {
    writeAllSync(fd, typeof text === 'string' ? Buffer.from(text, 'utf8') : text, 0);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** fsync a directory (persists renames and new entries). Not supported on Windows: skipped there. */
export const fsyncDir = fsyncDirSync;

/** Replace `path` atomically: write a sibling temp file, fsync, rename over, fsync the directory. */
export function replaceFileAtomic(path: string, text: string): void {
  writeFileAtomicSync(path, text);
}
