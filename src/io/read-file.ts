/**
 * I/O (every phase that reads a file): the one way moec reads an input file. A path is opened
 * with O_NONBLOCK, so a FIFO never blocks the open; the *descriptor* is then fstat-ed, so what
 * is checked is what is read (no race between a stat and the read) and a symlink to /dev/zero
 * is seen as the character device it is; anything but a regular file is refused; and the read
 * stops one byte past `maxBytes`, so a file whose stat size lies (procfs, a file still growing)
 * cannot grow memory past the cap. Failures are values, never exceptions.
 */
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';

export type ReadFailure =
  | { kind: 'missing' }
  | { kind: 'directory' }
  /** A FIFO, device or socket: `what` names it for messages ("a FIFO"). */
  | { kind: 'special'; what: string }
  | { kind: 'too-large'; size: number; limit: number }
  | { kind: 'error'; code: string };

export type ReadFileResult = { ok: true; bytes: Buffer; stats: Stats } | ({ ok: false } & ReadFailure);

/** O_NONBLOCK does not exist on Windows, where FIFOs are not files anyway. */
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);
const CHUNK = 1 << 16;

/** "a FIFO", "a character device", … for a non-regular file. */
export function describeFileType(stats: Stats): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  return 'not a regular file';
}

const errorCode = (err: unknown): string => (err as NodeJS.ErrnoException).code ?? String(err);

/** Read at most `maxBytes` of the regular file `path` (following symlinks, as any reader would). */
export function readRegularFile(path: string, maxBytes: number): ReadFileResult {
  let fd: number;
  try {
    fd = openSync(path, OPEN_FLAGS);
  } catch (err) {
    const code = errorCode(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') return { ok: false, kind: 'missing' };
    if (code === 'EISDIR') return { ok: false, kind: 'directory' };
    return { ok: false, kind: 'error', code };
  }
  try {
    const stats = fstatSync(fd);
    if (stats.isDirectory()) return { ok: false, kind: 'directory' };
    if (!stats.isFile()) return { ok: false, kind: 'special', what: describeFileType(stats) };
    if (stats.size > maxBytes) return { ok: false, kind: 'too-large', size: stats.size, limit: maxBytes };
    const bytes = readCapped(fd, stats.size, maxBytes);
    if (bytes.length > maxBytes) return { ok: false, kind: 'too-large', size: bytes.length, limit: maxBytes };
    return { ok: true, bytes, stats };
  } catch (err) {
    return { ok: false, kind: 'error', code: errorCode(err) };
  } finally {
    closeSync(fd);
  }
}

/** Read to end of file or to `maxBytes + 1` bytes, whichever comes first. */
function readCapped(fd: number, sizeHint: number, maxBytes: number): Buffer {
  let buf = Buffer.allocUnsafe(Math.min(maxBytes + 1, Math.max(sizeHint + 1, CHUNK)));
  let length = 0;
  for (;;) {
    if (length === buf.length) {
      if (length > maxBytes) break;
      const grown = Buffer.allocUnsafe(Math.min(maxBytes + 1, buf.length * 2));
      buf.copy(grown, 0, 0, length);
      buf = grown;
    }
    const n = readSync(fd, buf, length, buf.length - length, null);
    if (n === 0) break;
    length += n;
  }
  return buf.subarray(0, length);
}

/** The failure as a short reason for messages that have no code of their own. */
export function describeReadFailure(f: ReadFailure): string {
  switch (f.kind) {
    case 'missing':
      return 'no such file';
    case 'directory':
      return 'it is a directory';
    case 'special':
      return `it is ${f.what}, not a regular file`;
    case 'too-large':
      return `it is ${f.size} bytes, over the limit of ${f.limit}`;
    default:
      return f.code;
  }
}
