/**
 * Run phase — read a model's metadata_props (the `moec.*` entries compile-onnx.ts writes)
 * without loading the whole file: ModelProto's top-level fields are walked with positioned reads
 * and every other field — the graph (field 7) is the bulk of an inline model — is skipped by
 * its length prefix, never read.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

const METADATA_PROPS = 14;

class FileCursor {
  pos = 0;
  constructor(private readonly fd: number, readonly size: number) {}
  bytes(n: number): Buffer {
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
      const [byte] = this.bytes(1);
      result += (byte & 0x7f) * scale;
      if (byte < 0x80) return result;
      scale *= 128;
    }
    throw new Error('bad varint');
  }
}

/** key/value pairs of one StringStringEntryProto (key = 1, value = 2). */
function entry(buf: Buffer): [string, string] {
  let key = '';
  let value = '';
  let at = 0;
  const varint = () => {
    let r = 0;
    let s = 1;
    for (;;) {
      const b = buf[at++];
      r += (b & 0x7f) * s;
      if (b < 0x80) return r;
      s *= 128;
    }
  };
  while (at < buf.length) {
    const tag = varint();
    if ((tag & 7) !== 2) throw new Error('unexpected wire type in a metadata entry');
    const n = varint();
    const text = buf.toString('utf8', at, at + n);
    at += n;
    if (tag >>> 3 === 1) key = text;
    else if (tag >>> 3 === 2) value = text;
  }
  return [key, value];
}

/** The model's metadata_props; throws when the file is not a protobuf (the caller reports it). */
export function readModelMetadata(path: string): Record<string, string> {
  const fd = openSync(path, 'r');
  try {
    const c = new FileCursor(fd, fstatSync(fd).size);
    const out: Record<string, string> = {};
    while (c.pos < c.size) {
      const tag = c.varint();
      const field = Math.floor(tag / 8);
      switch (tag & 7) {
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
          if (field === METADATA_PROPS) {
            const [k, v] = entry(c.bytes(n));
            out[k] = v;
          } else c.pos += n; // the graph and everything else: skipped, not read
          break;
        }
        default:
          throw new Error(`not an ONNX model (wire type ${tag & 7} at byte ${c.pos})`);
      }
      if (c.pos > c.size) throw new Error('truncated protobuf');
    }
    return out;
  } finally {
    closeSync(fd);
  }
}
