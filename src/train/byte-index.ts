/**
 * Training phase — indexing the byte-level corpus for streaming (byte-stream.ts): one pass over
 * the files, 1 MiB at a time, checks that they are UTF-8 text (utf8-check.ts), reads the JSONL
 * records, hashes the token stream (the fingerprint a resume checks: the bytes corpus.ts hashed
 * when it held the stream) and keeps per document only where it lives. Memory is the index, a
 * few numbers per document, not the corpus.
 */
import { createHash, type Hash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { extname } from 'node:path';
import { createDiagnostic, type Diagnostic } from '../diagnostics/diagnostic.js';
import { describeFileType } from '../io/read-file.js';
import { readFailureDiagnostic } from '../io/read-diagnostic.js';
import { ByteStream, lineText, OPEN_FLAGS, type Docs, type TokenSource } from './byte-stream.js';
import { Utf8Check } from './utf8-check.js';

const CHUNK = 1 << 20;
const SHOWN = 10;
const BOM = [0xef, 0xbb, 0xbf];

export interface ByteCorpus {
  stream: TokenSource;
  documents: number;
  /** sha256 of the token stream as 16-bit ids (the bytes corpus.ts hashed when it held the stream). */
  fingerprint: string;
}

const hasBom = (b: Uint8Array) => b.length >= 3 && b[0] === BOM[0] && b[1] === BOM[1] && b[2] === BOM[2];

/** Feed `bytes` to the hash as 16-bit token ids (through one reused buffer). */
function hashTokens(hash: Hash, bytes: Uint8Array, scratch: Uint16Array): void {
  for (let at = 0; at < bytes.length; at += scratch.length) {
    const part = bytes.subarray(at, at + scratch.length);
    scratch.set(part);
    hash.update(new Uint8Array(scratch.buffer, 0, part.length * 2));
  }
}

/** Read `path` front to back in chunks of at most 1 MiB (never past the size it had when opened). */
function eachChunk(fd: number, size: number, fn: (chunk: Buffer, at: number) => void): void {
  const buf = Buffer.allocUnsafe(Math.min(CHUNK, Math.max(size, 1)));
  for (let at = 0; at < size; ) {
    const n = readSync(fd, buf, 0, Math.min(buf.length, size - at), at);
    if (n === 0) break;
    fn(buf.subarray(0, n), at);
    at += n;
  }
}

class Indexer {
  readonly docs: Docs = { file: [], offset: [], bytes: [], tokens: [], jsonl: [] };
  readonly hash = createHash('sha256');
  private readonly scratch = new Uint16Array(CHUNK);
  total = 0;

  constructor(private readonly separator: readonly number[], private readonly diagnostics: Diagnostic[]) {}

  private add(f: number, offset: number, bytes: number, tokens: number, jsonl: boolean): void {
    if (this.docs.file.length) {
      this.hash.update(new Uint8Array(Uint16Array.from(this.separator).buffer));
      this.total += this.separator.length;
    }
    for (const [k, v] of [['file', f], ['offset', offset], ['bytes', bytes], ['tokens', tokens]] as const) this.docs[k].push(v);
    this.docs.jsonl.push(jsonl);
    this.total += tokens;
  }

  file(path: string, f: number): void {
    let fd: number;
    try {
      fd = openSync(path, OPEN_FLAGS);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? String(err);
      this.diagnostics.push(code === 'ENOENT' ? readFailureDiagnostic({ kind: 'missing' }, path, 'a training data file') : createDiagnostic('MOE6524', { args: { path, reason: `it cannot be read (${code})` } }));
      return;
    }
    try {
      const stats = fstatSync(fd);
      // A FIFO or device named by --data (or matched by a glob) could block or never end: refused unread.
      if (!stats.isFile()) return void this.diagnostics.push(readFailureDiagnostic({ kind: 'special', what: describeFileType(stats) }, path, 'a training data file'));
      if (extname(path) === '.jsonl') this.jsonl(fd, stats.size, f, path);
      else this.text(fd, stats.size, f, path);
    } finally {
      closeSync(fd);
    }
  }

  private refuse(check: Utf8Check, path: string): boolean {
    check.end();
    const reason = check.problem();
    if (reason) this.diagnostics.push(createDiagnostic('MOE6524', { args: { path, reason }, hint: 'training data must be UTF-8 text; convert it (e.g. `iconv -t UTF-8`) or leave the file out' }));
    return reason !== undefined;
  }

  /** A text file: one document, its bytes after a BOM. */
  private text(fd: number, size: number, f: number, path: string): void {
    const check = new Utf8Check();
    let skip = 0;
    const head = Buffer.alloc(Math.min(3, size));
    readSync(fd, head, 0, head.length, 0);
    if (hasBom(head)) skip = 3;
    // The separator goes into the hash before the document's bytes, so the document is added first.
    if (size > skip) this.add(f, skip, size - skip, size - skip, false);
    eachChunk(fd, size, (chunk, at) => {
      check.push(chunk);
      hashTokens(this.hash, at === 0 ? chunk.subarray(skip) : chunk, this.scratch);
    });
    this.refuse(check, path);
  }

  /** A JSONL file: one document per line with a non-empty `text`. */
  private jsonl(fd: number, size: number, f: number, file: string): void {
    const check = new Utf8Check();
    const bad: Diagnostic[] = [];
    let count = 0;
    let line = 0;
    const record = (bytes: Buffer, offset: number) => {
      line++;
      const t = lineText(bytes);
      if (t === undefined) return;
      if (typeof t !== 'string') {
        if (++count <= SHOWN) bad.push(createDiagnostic('MOE6521', { args: { file, line, reason: t.reason } }));
        return;
      }
      if (!t.length) return;
      const doc = Buffer.from(t, 'utf8');
      this.add(f, offset, bytes.length, doc.length, true);
      hashTokens(this.hash, doc, this.scratch);
    };
    let carry = Buffer.alloc(0);
    let base = 0;
    eachChunk(fd, size, (chunk) => {
      check.push(chunk);
      const data = carry.length ? Buffer.concat([carry, chunk]) : chunk;
      let start = 0;
      for (let nl = data.indexOf(10); nl >= 0; nl = data.indexOf(10, start)) {
        record(data.subarray(start, nl), base + start);
        start = nl + 1;
      }
      carry = Buffer.from(data.subarray(start));
      base += start;
    });
    record(carry, base);
    if (this.refuse(check, file)) return;
    this.diagnostics.push(...bad);
    if (count > SHOWN) this.diagnostics.push(createDiagnostic('MOE6521', { args: { file, line, reason: `${count - SHOWN} more bad records not shown (${count} in all)` } }));
  }
}

/** Index `files` (sorted, real paths) into a byte token stream; undefined after diagnostics. */
export function indexByteStream(files: readonly string[], separator: readonly number[], diagnostics: Diagnostic[]): ByteCorpus | undefined {
  const ix = new Indexer(separator, diagnostics);
  files.forEach((path, f) => ix.file(path, f));
  if (diagnostics.length) return undefined;
  return { stream: new ByteStream(files, ix.docs, separator, ix.total), documents: ix.docs.file.length, fingerprint: ix.hash.digest('hex') };
}
