/**
 * Checkpoint I/O — tensor shards: float32 tensors packed back to back into
 * `<prefix>-00000.bin`, `<prefix>-00001.bin`, … each under the shard limit, little-endian.
 * A tensor never straddles two shards; one tensor larger than the limit gets a shard to itself.
 */
import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { describeReadFailure, readRegularFile } from '../io/read-file.js';
import { writeAllSync } from '../io/write-file.js';
import type { NamedTensor, ShardEntry, TensorEntry, TensorLike, WeightsInput } from './format.js';

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function isNamedTensor(v: TensorLike | NamedTensor): v is NamedTensor {
  return (v as NamedTensor).data instanceof Float32Array;
}

/** Normalise the writer's inputs (arrays, maps of tf variables) to named float32 arrays, in input order. */
export function toNamedTensors(input: WeightsInput): NamedTensor[] {
  if (Array.isArray(input)) return input as NamedTensor[];
  const out: NamedTensor[] = [];
  for (const [name, v] of input as ReadonlyMap<string, TensorLike | NamedTensor>) {
    if (isNamedTensor(v)) out.push({ name, shape: v.shape, data: v.data });
    else {
      const d = v.dataSync();
      out.push({ name, shape: v.shape, data: d instanceof Float32Array ? d : Float32Array.from(d) });
    }
  }
  return out;
}

function bytesOf(data: Float32Array): Uint8Array {
  if (LITTLE_ENDIAN) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(data.byteLength);
  const view = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i]!, true);
  return out;
}

function shardName(prefix: string, index: number): string {
  return `${prefix}-${String(index).padStart(5, '0')}.bin`;
}

/** Write tensors into shards under `dir`, fsyncing each file. Returns the index entries. */
export function writeTensorShards(
  dir: string,
  prefix: string,
  tensors: readonly NamedTensor[],
  shardBytes: number,
): { tensors: TensorEntry[]; shards: ShardEntry[] } {
  const entries: TensorEntry[] = [];
  const shards: ShardEntry[] = [];
  let fd = -1;
  let file = '';
  let offset = 0;
  let hash = createHash('sha256');
  const close = (): void => {
    if (fd < 0) return;
    fsyncSync(fd);
    closeSync(fd);
    shards.push({ file, bytes: offset, sha256: hash.digest('hex') });
    fd = -1;
  };
  for (const t of tensors) {
    const bytes = bytesOf(t.data);
    const expected = t.shape.reduce((a, b) => a * b, 1);
    if (expected !== t.data.length) throw new Error(`tensor ${t.name}: shape [${t.shape.join(', ')}] holds ${expected} values, data has ${t.data.length}`);
    if (fd >= 0 && offset > 0 && offset + bytes.byteLength > shardBytes) close();
    if (fd < 0) {
      file = shardName(prefix, shards.length);
      fd = openSync(join(dir, file), 'w');
      offset = 0;
      hash = createHash('sha256');
    }
    writeAllSync(fd, bytes);
    hash.update(bytes);
    entries.push({ name: t.name, shape: [...t.shape], dtype: 'float32', file, offset, length: bytes.byteLength });
    offset += bytes.byteLength;
  }
  close();
  return { tensors: entries, shards };
}

/**
 * Read every tensor listed in `entries` from the shards under `dir`. Checks shard sizes and
 * hashes first; returns a reason string on damage instead of throwing.
 */
export function readTensorShards(
  dir: string,
  entries: readonly TensorEntry[],
  shards: readonly ShardEntry[],
): { tensors: Map<string, Float32Array> } | { damaged: string } {
  const buffers = new Map<string, Buffer>();
  for (const s of shards) {
    // Capped at the size the manifest records: a shard swapped for /dev/zero or a huge file is not read.
    const read = readRegularFile(join(dir, s.file), s.bytes);
    if (!read.ok) {
      if (read.kind === 'too-large') return { damaged: `${s.file} is larger than the ${s.bytes} bytes the manifest says` };
      return { damaged: `cannot read ${s.file} (${describeReadFailure(read)})` };
    }
    const buf = read.bytes;
    if (buf.byteLength !== s.bytes) return { damaged: `${s.file} has ${buf.byteLength} bytes, the manifest says ${s.bytes}` };
    if (createHash('sha256').update(buf).digest('hex') !== s.sha256) return { damaged: `${s.file} does not match its sha256` };
    buffers.set(s.file, buf);
  }
  const out = new Map<string, Float32Array>();
  for (const e of entries) {
    const buf = buffers.get(e.file);
    const count = e.shape.reduce((a, b) => a * b, 1);
    if (!buf) return { damaged: `tensor ${e.name} points at ${e.file}, which is not listed as a shard` };
    if (e.dtype !== 'float32') return { damaged: `tensor ${e.name} has dtype ${String(e.dtype)}; only float32 is written` };
    if (e.length !== count * 4 || e.offset < 0 || e.offset + e.length > buf.byteLength) {
      return { damaged: `tensor ${e.name} lies outside ${e.file} or its length does not match its shape` };
    }
    // Copy out so the result does not pin the whole shard buffer and is 4-byte aligned.
    const data = new Float32Array(count);
    if (LITTLE_ENDIAN) new Uint8Array(data.buffer).set(buf.subarray(e.offset, e.offset + e.length));
    else {
      const view = new DataView(buf.buffer, buf.byteOffset + e.offset, e.length);
      for (let i = 0; i < count; i++) data[i] = view.getFloat32(i * 4, true);
    }
    out.set(e.name, data);
  }
  return { tensors: out };
}
