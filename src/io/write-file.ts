/**
 * I/O (every command that writes a file): checked, atomic writes.
 *
 * - `writeAllSync` / `writeAll` loop until every byte is written: write(2) may write fewer
 *   bytes than asked (a full disk, a file-size limit), and a write that makes no progress is
 *   an error — never a silent hole of zeros at the end of a file.
 * - `writeFileAtomicSync` writes a hidden temporary sibling (`.<name>.tmp-<pid>`), fsyncs it,
 *   renames it over the target and fsyncs the directory: a reader sees the old file or the new
 *   one, never half of one. On failure the temporary is removed; a temporary left by a writer
 *   killed with SIGKILL (its pid is gone) is removed by the next write to the same path.
 * - A symlink is written through: its target is replaced and the link is kept (as editors do),
 *   and an existing file keeps its permission bits.
 * - `inputs`: the write is refused, before anything is touched, when the output is one of the
 *   inputs (same inode, so hard links and `./x` vs `x` are caught) — see output-guard.ts.
 */
import { closeSync, constants, fchmodSync, fsyncSync, lstatSync, openSync, readdirSync, readlinkSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

export const TMP_MARK = '.tmp-';

/** Hidden temporary sibling of `file`; the pid lets a later writer recognise a dead writer's leftovers. */
export function tempPathFor(file: string): string {
  return join(dirname(file), `.${basename(file)}${TMP_MARK}${process.pid}`);
}

function noProgress(written: number, total: number): Error {
  const err = new Error(`ENOSPC: the disk is full or a file-size limit was reached (wrote ${written} of ${total} bytes)`) as NodeJS.ErrnoException;
  err.code = 'ENOSPC';
  return err;
}

/** Write all of `bytes` at `position` (or the current offset when null). Throws on failure. */
export function writeAllSync(fd: number, bytes: Uint8Array, position: number | null = null): void {
  let done = 0;
  while (done < bytes.length) {
    const n = writeSync(fd, bytes, done, bytes.length - done, position === null ? null : position + done);
    if (n <= 0) throw noProgress(done, bytes.length);
    done += n;
  }
}

/** Async `writeAllSync` for a FileHandle. */
export async function writeAll(fh: FileHandle, bytes: Uint8Array, position: number | null = null): Promise<void> {
  let done = 0;
  while (done < bytes.length) {
    const { bytesWritten } = await fh.write(bytes, done, bytes.length - done, position === null ? null : position + done);
    if (bytesWritten <= 0) throw noProgress(done, bytes.length);
    done += bytesWritten;
  }
}

/** fsync a directory so a rename inside it survives a power cut (not possible on Windows: skipped). */
export function fsyncDirSync(dir: string): void {
  if (process.platform === 'win32') return;
  const fd = openSync(dir, constants.O_RDONLY);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** The file a write to `path` replaces: `path` itself, or the end of its symlink chain. */
export function writeTarget(path: string): string {
  let file = resolve(path);
  for (let hops = 0; hops < 40; hops++) {
    let isLink: boolean;
    try {
      isLink = lstatSync(file).isSymbolicLink();
    } catch {
      return file; // does not exist yet
    }
    if (!isLink) return file;
    file = resolve(dirname(file), readlinkSync(file));
  }
  const err = new Error(`ELOOP: too many symbolic links: ${path}`) as NodeJS.ErrnoException;
  err.code = 'ELOOP';
  throw err;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Remove temporaries of `file` left by writers that no longer exist (killed with SIGKILL). */
export function removeDeadTempsSync(file: string): void {
  const prefix = `.${basename(file)}${TMP_MARK}`;
  let entries: string[];
  try {
    entries = readdirSync(dirname(file));
  } catch {
    return;
  }
  for (const entry of entries) {
    if (!entry.startsWith(prefix)) continue;
    const pid = Number(entry.slice(prefix.length));
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && !alive(pid)) rmSync(join(dirname(file), entry), { force: true });
  }
}

export interface AtomicWriteOptions {
  /** fsync the file and its directory (default true). */
  durable?: boolean;
  /** Permission bits of a new file (default 0o666 less the umask); an existing file keeps its own. */
  mode?: number;
}

/**
 * Replace `path` atomically with `data` (a string is UTF-8). Throws an ErrnoException on
 * failure, having removed its temporary; the previous file is then untouched.
 */
export function writeFileAtomicSync(path: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): string {
  const file = writeTarget(path);
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let mode = options.mode ?? 0o666;
  let keepMode = false;
  try {
    const st = statSync(file);
    if (st.isFile()) [mode, keepMode] = [st.mode & 0o7777, true];
  } catch {
    // A new file.
  }
  removeDeadTempsSync(file);
  const tmp = tempPathFor(file);
  try {
    const fd = openSync(tmp, 'w', mode);
    try {
      // The umask applied at creation must not strip the replaced file's bits.
      if (keepMode && process.platform !== 'win32') fchmodSync(fd, mode);
      writeAllSync(fd, bytes, 0);
      if (options.durable !== false) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  if (options.durable !== false) fsyncDirSync(dirname(file));
  return file;
}

/** "ENOSPC: no space left on device, write" → a message without Node's syscall suffix. */
export function writeErrorReason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
