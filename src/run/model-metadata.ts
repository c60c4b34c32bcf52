/**
 * Run phase — read a model's metadata_props (the `moec.*` entries compile-onnx.ts writes)
 * without loading the whole file: ModelProto's top-level fields are walked with positioned reads
 * and every other field — the graph (field 7) is the bulk of an inline model — is skipped by
 * its length prefix, never read.
 *
 * The file is untrusted: every length is checked against the bytes left before anything is
 * allocated, a varint is at most 10 bytes and never runs past its buffer, field number 0 is
 * refused (as protobuf does), and the walk stops after MAX_TOP_LEVEL_FIELDS fields — a valid
 * ModelProto has a dozen — so a truncated, zero-filled or hostile file fails fast.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

const METADATA_PROPS = 14;
const MAX_TOP_LEVEL_FIELDS = 10_000;
/** moec's metadata entries are a few hundred bytes; a larger one is skipped, not read. */
const MAX_ENTRY_BYTES = 16 * 2 ** 20;

class FileCursor {
  pos = 0;
  private block = Buffer.alloc(0);
  private blockStart = 0;
  constructor(private readonly fd: number, readonly size: number) {}
  private byteAt(at: number): number {
    if (at >= this.size) throw new Error('truncated protobuf');
    if (at < this.blockStart || at >= this.blockStart + this.block.length) {
      this.block = Buffer.alloc(Math.min(65536, this.size - at));
      const got = readSync(this.fd, this.block, 0, this.block.length, at);
      if (got !== this.block.length) throw new Error('truncated protobuf');
      this.blockStart = at;
    }
    return this.block[at - this.blockStart]!;
  }
  bytes(n: number): Buffer {
    if (n > this.size - this.pos) throw new Error('truncated protobuf');
    const b = Buffer.alloc(n);
    const got = readSync(this.fd, b, 0, n, this.pos);
    if (got !== n) throw new Error('truncated protobuf');
    this.pos += n;
    return b;
  }
  varint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      const byte = this.byteAt(this.pos++);
      result += (byte & 0x7f) * scale;
      if (byte < 0x80) return result;
      scale *= 128;
    }
    throw new Error('bad varint');
  }
}

/** A varint at `at` in `buf`: [value, next offset]; throws when it runs past the buffer. */
function varintIn(buf: Buffer, at: number): [number, number] {
  let r = 0;
  let s = 1;
  for (let i = 0; i < 10; i++) {
    if (at >= buf.length) throw new Error('truncated metadata entry');
    const b = buf[at++]!;
    r += (b & 0x7f) * s;
    if (b < 0x80) return [r, at];
    s *= 128;
  }
  throw new Error('bad varint in a metadata entry');
}

/** key/value pairs of one StringStringEntryProto (key = 1, value = 2). */
function entry(buf: Buffer): [string, string] {
  let key = '';
  let value = '';
  let at = 0;
  while (at < buf.length) {
    const [tag, afterTag] = varintIn(buf, at);
    if (tag % 8 !== 2) throw new Error('unexpected wire type in a metadata entry');
    const [n, start] = varintIn(buf, afterTag);
    if (n > buf.length - start) throw new Error('truncated metadata entry');
    const text = buf.toString('utf8', start, start + n);
    at = start + n;
    if (Math.floor(tag / 8) === 1) key = text;
    else if (Math.floor(tag / 8) === 2) value = text;
  }
  return [key, value];
}

/** The model's metadata_props; throws when the file is not a protobuf (the caller reports it). */
export function readModelMetadata(path: string): Record<string, string> {
  const fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw new Error('not a regular file');
    const c = new FileCursor(fd, stats.size);
    const out: Record<string, string> = Object.create(null) as Record<string, string>;
    for (let fields = 0; c.pos < c.size; fields++) {
      if (fields >= MAX_TOP_LEVEL_FIELDS) throw new Error(`not an ONNX model (more than ${MAX_TOP_LEVEL_FIELDS} top-level fields)`);
      const at = c.pos;
      const tag = c.varint();
      const field = Math.floor(tag / 8);
      if (field === 0) throw new Error(`not an ONNX model (field number 0 at byte ${at})`);
      switch (tag % 8) {
        case 0:
          c.varint();
          break;
        case 1:
          c.pos += 8;
          break;
        case 5:
          c.pos += 4;
          break;
        case 2: {
          const n = c.varint();
          if (n > c.size - c.pos) throw new Error('truncated protobuf');
          if (field === METADATA_PROPS && n <= MAX_ENTRY_BYTES) {
            const [k, v] = entry(c.bytes(n));
            out[k] = v;
          } else c.pos += n; // the graph and everything else: skipped, not read
          break;
        }
        default:
          throw new Error(`not an ONNX model (wire type ${tag % 8} at byte ${at})`);
      }
      if (c.pos > c.size) throw new Error('truncated protobuf');
    }
    return out;
  } finally {
    closeSync(fd);
  }
}
