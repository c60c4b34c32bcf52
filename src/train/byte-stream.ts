/**
 * Training phase — the byte-level token stream (no model tokenizer) read from its files a window
 * at a time, never held: byte-index.ts indexed the documents (file, byte offset and length, where
 * their tokens start); a read of tokens [start, start + n) re-reads just those bytes — a
 * positioned read of a text file (its tokens are its bytes after a BOM), or the one JSONL line
 * whose `text` holds them (parsed again; the last few are kept). The stream is exactly the one
 * corpus.ts builds in memory: each document's UTF-8 bytes, documents joined by the
 * end-of-document id (256, when the vocabulary has it) or a blank line.
 */
import { closeSync, constants, openSync, readSync } from 'node:fs';

/** Token ids: 16-bit for byte vocabularies, 32-bit for a model tokenizer's. */
export type TokenIds = Uint16Array | Uint32Array;

/** A token stream read a window at a time. */
export interface TokenSource {
  readonly length: number;
  /** Tokens [start, start + count), cut at the end of the stream. */
  read(start: number, count: number): TokenIds;
}

export function arraySource(tokens: TokenIds): TokenSource {
  return { length: tokens.length, read: (start, count) => tokens.subarray(start, Math.min(tokens.length, start + count)) };
}

/** Tokens [from, to) of `src` as a stream of their own (the training part, the held-out tail). */
export function sliceSource(src: TokenSource, from: number, to: number): TokenSource {
  return { length: to - from, read: (start, count) => src.read(from + start, Math.min(count, to - from - start)) };
}

export const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

export interface Docs {
  file: number[];
  /** Byte offset of the document's bytes (text: after a BOM) or of its JSONL line. */
  offset: number[];
  /** JSONL: the line's byte length; text: the document's. */
  bytes: number[];
  tokens: number[];
  jsonl: boolean[];
}

/** The `text` of a JSONL line, or why it has none. */
export function lineText(line: Buffer): string | { reason: string } | undefined {
  // trim() also drops a byte-order mark (U+FEFF is white space to it).
  const s = line.toString('utf8').trim();
  if (!s) return undefined;
  let record: unknown;
  try {
    record = JSON.parse(s);
  } catch (err) {
    return { reason: `not JSON (${(err as Error).message})` };
  }
  const t = (record as { text?: unknown } | null)?.text;
  return typeof t === 'string' ? t : { reason: 'no string "text" field' };
}

/** Tokens read back from the files by the index. */
export class ByteStream implements TokenSource {
  private readonly file: Int32Array;
  private readonly offset: Float64Array;
  private readonly bytes: Float64Array;
  private readonly tokens: Float64Array;
  private readonly start: Float64Array;
  private readonly jsonl: Uint8Array;
  /** Decoded JSONL documents, the most recent few (a window spans one to three documents). */
  private readonly decoded = new Map<number, Buffer>();

  constructor(private readonly files: readonly string[], docs: Docs, private readonly separator: readonly number[], readonly length: number) {
    this.file = Int32Array.from(docs.file);
    this.offset = Float64Array.from(docs.offset);
    this.bytes = Float64Array.from(docs.bytes);
    this.tokens = Float64Array.from(docs.tokens);
    this.jsonl = Uint8Array.from(docs.jsonl, Number);
    this.start = new Float64Array(docs.file.length);
    for (let d = 1; d < docs.file.length; d++) this.start[d] = this.start[d - 1]! + this.tokens[d - 1]! + separator.length;
  }

  read(from: number, count: number): Uint16Array {
    const end = Math.min(this.length, from + count);
    const out = new Uint16Array(Math.max(0, end - from));
    let d = this.docAt(from);
    for (let pos = from, k = 0; pos < end; ) {
      const docEnd = this.start[d]! + this.tokens[d]!;
      if (pos < docEnd) {
        const n = Math.min(end, docEnd) - pos;
        out.set(this.docBytes(d, pos - this.start[d]!, n), k);
        k += n;
        pos += n;
      } else {
        out[k++] = this.separator[pos - docEnd]!;
        pos++;
        if (pos - docEnd === this.separator.length) d++;
      }
    }
    return out;
  }

  /** The last document starting at or before `pos`. */
  private docAt(pos: number): number {
    let lo = 0;
    let hi = this.start.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.start[mid]! <= pos) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  private docBytes(d: number, at: number, n: number): Uint8Array {
    if (!this.jsonl[d]) return this.pread(d, this.offset[d]! + at, n);
    let doc = this.decoded.get(d);
    if (!doc) {
      const t = lineText(Buffer.from(this.pread(d, this.offset[d]!, this.bytes[d]!)));
      if (typeof t !== 'string' || Buffer.byteLength(t) !== this.tokens[d]) this.changed(d);
      doc = Buffer.from(t as string, 'utf8');
      if (this.decoded.size >= 4) this.decoded.delete(this.decoded.keys().next().value!);
      this.decoded.set(d, doc);
    }
    return doc.subarray(at, at + n);
  }

  private pread(d: number, offset: number, n: number): Buffer {
    const fd = openSync(this.files[this.file[d]!]!, OPEN_FLAGS);
    try {
      const out = Buffer.alloc(n);
      if (readSync(fd, out, 0, n, offset) !== n) this.changed(d);
      return out;
    } finally {
      closeSync(fd);
    }
  }

  private changed(d: number): never {
    throw new Error(`moec: training data file ${this.files[this.file[d]!]} changed during the run (document ${d} no longer reads back)`);
  }
}
