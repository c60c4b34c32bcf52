/**
 * Safetensors interop — positioned, chunked file I/O. Node's `fs.readSync`/`writeSync` move at
 * most 2 GiB − 1 bytes per call and may move fewer than asked, so every transfer loops in chunks
 * and checks its byte count. Buffers whose size comes from a file are allocated here only, after
 * the size has been checked against the file: `largestAllocation` lets the fuzz tests assert that
 * a hostile header never makes the reader allocate more than the file holds.
 */
import { readSync, writeSync } from 'node:fs';
import { createDiagnostic, type Diagnostic } from '../../diagnostics/diagnostic.js';

/** Bytes per read/write call: well under Node's 2 GiB − 1 limit. */
export const IO_CHUNK = 1 << 30;

let largest = 0;

/** A zeroed byte array of a size already validated against the file (recorded for the fuzz tests). */
export function allocBytes(n: number): Uint8Array {
  if (n > largest) largest = n;
  return new Uint8Array(n);
}

/** The largest `allocBytes` since the last reset (test probe). */
export function largestAllocation(): number {
  return largest;
}

export function resetAllocationProbe(): void {
  largest = 0;
}

/** Read `target.length` bytes at `position`; returns how many arrived (fewer only at end of file). */
export function readFully(fd: number, target: Uint8Array, position: number, chunk = IO_CHUNK): number {
  let done = 0;
  while (done < target.length) {
    const want = Math.min(chunk, target.length - done);
    const n = readSync(fd, target, done, want, position + done);
    if (n === 0) break;
    done += n;
  }
  return done;
}

/** Write all of `bytes` at the current file position; throws (an I/O error) if the OS stops accepting them. */
export function writeFully(fd: number, bytes: Uint8Array, chunk = IO_CHUNK): void {
  let done = 0;
  while (done < bytes.length) {
    const want = Math.min(chunk, bytes.length - done);
    const n = writeSync(fd, bytes, done, want);
    if (n <= 0) throw Object.assign(new Error(`write accepted 0 of ${bytes.length - done} bytes`), { code: 'EIO' });
    done += n;
  }
}

/** MOE7500 for an I/O error on `path`. */
export function ioDiagnostic(path: string, err: unknown): Diagnostic {
  const e = err as NodeJS.ErrnoException;
  const reason = e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'it is a directory' : (e.code ?? e.message);
  return createDiagnostic('MOE7500', { args: { path, reason } });
}
